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

/* Room for the temporary name util_write_atomic() makes of a key. */
#define KEY_MAX (NAME_MAX - 5)

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

/* One file: written when it is not already text. */
static int put(int dfd, const char *key, const char *text, size_t len, bool *changed,
	       struct errbuf *err)
{
	char have[HOSTS_FILE_MAX + 1];
	int r;

	r = util_read_small(dfd, key, have, sizeof(have));
	if (r >= 0 && strlen(have) == len && memcmp(have, text, len) == 0)
		return 0;
	r = util_write_atomic(dfd, key, text, len, 0644, 0);
	if (r < 0)
		return errbuf_errno(err, r, "cannot write the host name file %s", key);
	*changed = true;
	return 0;
}

int hosts_publish(const struct uns_paths *p, const struct state_record *rec, bool *ret_changed,
		  struct errbuf *err)
{
	struct hosts_entry e;
	char text[HOSTS_FILE_MAX], key[HOSTS_NAME_MAX + 1];
	bool changed = false;
	int len, dname, daddr, r = 0;

	if (ret_changed)
		*ret_changed = false;
	hosts_entry_of(rec, &e);
	if (e.n_names == 0)
		return 0;
	len = hosts_format(&e, text, sizeof(text));
	if (len < 0)
		return errbuf_errno(err, len, "cannot write the host name files of %s", rec->netns);
	r = open_dirs(p, true, &dname, &daddr, err);
	if (r < 0)
		return r;
	for (size_t i = 0; r == 0 && i < e.n_names; i++) {
		hosts_name_key(e.names[i], key);
		r = put(dname, key, text, (size_t)len, &changed, err);
	}
	for (size_t i = 0; r == 0 && i < e.n_addrs; i++) {
		hosts_addr_key(&e.addrs[i], key, sizeof(key));
		r = put(daddr, key, text, (size_t)len, &changed, err);
	}
	close(dname);
	close(daddr);
	if (r == 0)
		r = fault_err("hosts.published", err);
	if (ret_changed)
		*ret_changed = changed;
	return r;
}

/* Remove dfd/key if it still holds the entry whose first name is owner. */
static int drop(int dfd, const char *key, const char *owner, struct errbuf *err)
{
	char have[HOSTS_FILE_MAX + 1];
	struct hosts_entry e;
	int r;

	r = util_read_small(dfd, key, have, sizeof(have));
	if (r == -ENOENT)
		return 0;
	/* Unreadable or not ours to judge: left for root. */
	if (r < 0 || hosts_parse(have, strlen(have), &e) < 0 || !hosts_entry_has_name(&e, owner))
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
			r = drop(dname, key, e.names[0], err);
		}
	for (size_t i = 0; r == 0 && i < e.n_addrs; i++)
		if (!hosts_entry_has_addr(&k, &e.addrs[i])) {
			hosts_addr_key(&e.addrs[i], key, sizeof(key));
			r = drop(daddr, key, e.names[0], err);
		}
	close(dname);
	close(daddr);
	return r;
}
