/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "usernetns/fault.h"
#include "usernetns/hosts.h"
#include "usernetns/owner.h"

/* Room for the temporary name util_write_atomic() makes of a key. */
#define KEY_MAX (NAME_MAX - 5)

_Static_assert(OWNER_STRLEN <= HOSTS_OWNER_MAX, "an owner's key fits a name file");

static void add_name(struct hosts_entry *e, const char *name)
{
	char key[HOSTS_NAME_MAX + 1];

	if (e->n_names < HOSTS_NAMES_MAX && hosts_name_key(name, key) == 0 &&
	    strlen(key) <= KEY_MAX && !hosts_entry_has_name(e, name))
		snprintf(e->names[e->n_names++], sizeof(e->names[0]), "%s", name);
}

static void add_addr(struct hosts_entry *e, const struct addr_prefix *a)
{
	if (addr_prefix_is_set(a) && e->n_addrs < HOSTS_ADDRS_MAX) {
		e->addrs[e->n_addrs].family = a->family;
		memcpy(e->addrs[e->n_addrs].bytes, a->bytes, sizeof(e->addrs[0].bytes));
		e->n_addrs++;
	}
}

void hosts_entry_of(const struct state_record *rec, struct hosts_entry *ret)
{
	*ret = (struct hosts_entry){ 0 };
	owner_key(rec->owner, ret->owner, sizeof(ret->owner));
	add_name(ret, rec->hostname);
	if (!rec->netns_unlisted)
		add_name(ret, rec->netns);
	add_addr(ret, &rec->peer4);
	add_addr(ret, &rec->peer6);
	/* A namespace without addresses has nothing to be looked up for. */
	if (ret->n_addrs == 0)
		ret->n_names = 0;
}

/* The name and address directories, made if asked. */
static int open_dirs(const struct uns_paths *p, bool create, int *ret_name, int *ret_addr,
		     struct errbuf *err)
{
	char path[PATH_MAX];
	int r;

	snprintf(path, sizeof(path), "%s/%s/%s", p->runstatedir, HOSTS_DIR_NAME, HOSTS_BY_NAME);
	r = util_open_dir(path, create, 0755, ret_name);
	if (r < 0)
		return r == -ENOENT && !create ? r : errbuf_errno(err, r, "cannot open %s", path);
	snprintf(path, sizeof(path), "%s/%s/%s", p->runstatedir, HOSTS_DIR_NAME, HOSTS_BY_ADDR);
	r = util_open_dir(path, create, 0755, ret_addr);
	if (r < 0) {
		close(*ret_name);
		return r == -ENOENT && !create ? r : errbuf_errno(err, r, "cannot open %s", path);
	}
	return 0;
}

/* Does e publish the file key of the name directory (by_name) or the address one? */
static bool entry_has_key(const struct hosts_entry *e, bool by_name, const char *key)
{
	char k[HOSTS_NAME_MAX + 1];

	if (by_name)
		return hosts_entry_has_name(e, key);
	for (size_t i = 0; i < e->n_addrs; i++)
		if (hosts_addr_key(&e->addrs[i], k, sizeof(k)) == 0 && streq(k, key))
			return true;
	return false;
}

/*
 * Does another owner's namespace hold the file key, whose text is have?
 * Its owner's record must exist and still publish key; a record that
 * cannot be read counts as holding it (a name is not taken on a doubt).
 * A file without an owner (written before owners were) holds nothing.
 */
static bool held_by_other(const struct uns_paths *p, const char *have, bool by_name,
			  const char *key, owner_t me, owner_t *ret_holder)
{
	struct state_record rec;
	struct hosts_entry e;
	struct errbuf ignored;
	owner_t holder;
	int r;

	if (hosts_parse(have, strlen(have), &e) < 0 || !e.owner[0] ||
	    owner_parse_key(e.owner, &holder, NULL) < 0 || holder == me)
		return false;
	*ret_holder = holder;
	r = state_read(p, holder, &rec, &ignored);
	if (r == -ENOENT)
		return false;
	if (r < 0)
		return true;
	hosts_entry_of(&rec, &e);
	return entry_has_key(&e, by_name, key);
}

static void note_held(struct hosts_published *ret, const char *key, owner_t holder)
{
	char who[OWNER_STRLEN];

	if (ret->n_held++ == 0)
		snprintf(ret->held, sizeof(ret->held), "%s is held by the namespace of %s", key,
			 owner_describe(holder, who, sizeof(who)));
}

/* One file: written when it is not already text, unless another owner holds it. */
static int put(const struct uns_paths *p, const struct state_record *rec, int dfd, bool by_name,
	       const char *key, const char *text, size_t len, struct hosts_published *ret,
	       struct errbuf *err)
{
	char have[HOSTS_FILE_MAX + 1];
	owner_t holder;
	int r;

	r = util_read_small(dfd, key, have, sizeof(have));
	if (r >= 0 && strlen(have) == len && memcmp(have, text, len) == 0)
		return 0;
	if (r >= 0 && held_by_other(p, have, by_name, key, rec->owner, &holder)) {
		note_held(ret, key, holder);
		return 0;
	}
	r = util_write_atomic(dfd, key, text, len, 0644, 0);
	if (r < 0)
		return errbuf_errno(err, r, "cannot write the host name file %s", key);
	ret->changed = true;
	return 0;
}

int hosts_publish(const struct uns_paths *p, const struct state_record *rec,
		  struct hosts_published *ret, struct errbuf *err)
{
	struct hosts_published done = { 0 };
	struct hosts_entry e;
	char text[HOSTS_FILE_MAX], key[HOSTS_NAME_MAX + 1];
	int len, dname, daddr, r = 0;

	hosts_entry_of(rec, &e);
	if (e.n_names == 0)
		goto out;
	len = hosts_format(&e, text, sizeof(text));
	if (len < 0)
		return errbuf_errno(err, len, "cannot write the host name files of %s", rec->netns);
	r = open_dirs(p, true, &dname, &daddr, err);
	if (r < 0)
		return r;
	for (size_t i = 0; r == 0 && i < e.n_names; i++) {
		hosts_name_key(e.names[i], key);
		r = put(p, rec, dname, true, key, text, (size_t)len, &done, err);
	}
	for (size_t i = 0; r == 0 && i < e.n_addrs; i++) {
		hosts_addr_key(&e.addrs[i], key, sizeof(key));
		r = put(p, rec, daddr, false, key, text, (size_t)len, &done, err);
	}
	close(dname);
	close(daddr);
	if (r == 0)
		r = fault_err("hosts.published", err);
out:
	if (ret)
		*ret = done;
	return r;
}

/*
 * Remove dfd/key if it is still mine: it names me as its owner, or, written
 * before files named owners, it holds my canonical name (the first).
 */
static int drop(int dfd, const char *key, const struct hosts_entry *mine, struct errbuf *err)
{
	char have[HOSTS_FILE_MAX + 1];
	struct hosts_entry e;
	int r;

	r = util_read_small(dfd, key, have, sizeof(have));
	if (r == -ENOENT)
		return 0;
	/* Unreadable or not ours to judge: left for root. */
	if (r < 0 || hosts_parse(have, strlen(have), &e) < 0)
		return 0;
	if (e.owner[0] ? !streq(e.owner, mine->owner) : !hosts_entry_has_name(&e, mine->names[0]))
		return 0;
	if (unlinkat(dfd, key, 0) < 0 && errno != ENOENT)
		return errbuf_errno(err, -errno, "cannot remove the host name file %s", key);
	return 0;
}

int hosts_unpublish(const struct uns_paths *p, const struct state_record *rec,
		    const struct state_record *keep, struct errbuf *err)
{
	struct hosts_entry e, k = { 0 };
	char key[HOSTS_NAME_MAX + 1];
	int dname, daddr, r;

	hosts_entry_of(rec, &e);
	if (keep)
		hosts_entry_of(keep, &k);
	if (e.n_names == 0)
		return 0;
	r = open_dirs(p, false, &dname, &daddr, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	/* The file of a name is removed only for the namespace it names. */
	for (size_t i = 0; r == 0 && i < e.n_names; i++)
		if (!hosts_entry_has_name(&k, e.names[i])) {
			hosts_name_key(e.names[i], key);
			r = drop(dname, key, &e, err);
		}
	for (size_t i = 0; r == 0 && i < e.n_addrs; i++)
		if (!hosts_entry_has_addr(&k, &e.addrs[i])) {
			hosts_addr_key(&e.addrs[i], key, sizeof(key));
			r = drop(daddr, key, &e, err);
		}
	close(dname);
	close(daddr);
	return r;
}
