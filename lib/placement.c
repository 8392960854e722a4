/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "usernetns/fault.h"
#include "usernetns/owner.h"
#include "usernetns/placement.h"
#include "usernetns/state.h"

#define PLACEMENT_MAX (2 * POLICY_NAME_MAX + 128)

static const char *const member_names[] = {
	[PLACEMENT_MEMBER_NONE] = "",
	[PLACEMENT_MEMBER_PRIMARY] = "primary",
	[PLACEMENT_MEMBER_ENTRY] = "entry",
	[PLACEMENT_MEMBER_LIST] = "list",
};

const char *placement_member_to_string(enum placement_member m)
{
	return (size_t)m < ELEMENTSOF(member_names) ? member_names[m] : "?";
}

bool placement_same_section(const struct placement *a, const struct placement *b)
{
	return a->kind == b->kind && streq(a->name, b->name);
}

static bool placement_equal(const struct placement *a, const struct placement *b)
{
	return placement_same_section(a, b) && a->mode == b->mode && a->member == b->member;
}

int placement_format(uid_t uid, const char *user, const struct placement *pl, char *buf,
		     size_t size)
{
	char label[POLICY_LABEL_MAX];
	int n;

	n = snprintf(buf, size, "uid=%lu user=%s\nsection=%s\nmode=%s\n", (unsigned long)uid, user,
		     policy_section_label(pl->kind, pl->name, label, sizeof(label)),
		     policy_mode_to_string(pl->mode));
	if (n >= 0 && (size_t)n < size && pl->member != PLACEMENT_MEMBER_NONE)
		n += snprintf(buf + n, size - (size_t)n, "member=%s\n",
			      placement_member_to_string(pl->member));
	return n < 0 || (size_t)n >= size ? -ENOBUFS : n;
}

/* "[default]", "[group:NAME]", "[user:NAME]", as policy_section_label() makes them. */
static int parse_section(const char *v, struct placement *pl)
{
	static const struct {
		const char *start;
		enum policy_rule_kind kind;
	} kinds[] = { { "[group:", POLICY_RULE_GROUP }, { "[user:", POLICY_RULE_USER } };
	size_t n = strlen(v);

	if (streq(v, "[default]")) {
		pl->kind = POLICY_RULE_DEFAULT;
		pl->name[0] = '\0';
		return 0;
	}
	for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
		size_t k = strlen(kinds[i].start);

		if (strncmp(v, kinds[i].start, k) != 0 || n <= k + 1 || v[n - 1] != ']' ||
		    n - k - 1 >= sizeof(pl->name))
			continue;
		pl->kind = kinds[i].kind;
		memcpy(pl->name, v + k, n - k - 1);
		pl->name[n - k - 1] = '\0';
		return 0;
	}
	return -EINVAL;
}

static int parse_member(const char *v, enum placement_member *ret)
{
	for (size_t i = PLACEMENT_MEMBER_PRIMARY; i < ELEMENTSOF(member_names); i++)
		if (streq(v, member_names[i])) {
			*ret = (enum placement_member)i;
			return 0;
		}
	return -EINVAL;
}

int placement_parse(const char *text, uid_t *ret_uid, struct placement *ret)
{
	struct placement pl = { .member = PLACEMENT_MEMBER_NONE };
	bool section = false, mode = false;
	const char *end;
	owner_t owner;
	char line[PLACEMENT_MAX];

	/* "uid=1001 user=alice": the user's name is for people, the uid is the key. */
	if (owner_parse_key(text, &owner, &end) < 0 || owner_is_group(owner) || *end != ' ')
		return -EBADMSG;
	text = strchr(end, '\n');
	if (!text)
		return -EBADMSG;
	for (text++; *text;) {
		size_t n = strcspn(text, "\n");
		char *eq;
		int r = 0;

		if (n >= sizeof(line))
			return -EBADMSG;
		memcpy(line, text, n);
		line[n] = '\0';
		text += n + (text[n] == '\n');
		eq = strchr(line, '=');
		if (!eq)
			return -EBADMSG;
		*eq++ = '\0';
		if (streq(line, "section")) {
			r = parse_section(eq, &pl);
			section = r == 0;
		} else if (streq(line, "mode")) {
			r = policy_mode_from_string(eq, &pl.mode);
			mode = r == 0;
		} else if (streq(line, "member")) {
			r = parse_member(eq, &pl.member);
		}
		/* Unknown keys: written by a newer version, safe to ignore. */
		if (r < 0)
			return -EBADMSG;
	}
	/* A membership belongs to a group's section, and only there. */
	if (!section || !mode ||
	    (pl.kind == POLICY_RULE_GROUP) != (pl.member != PLACEMENT_MEMBER_NONE))
		return -EBADMSG;
	*ret_uid = owner_id(owner);
	*ret = pl;
	return 0;
}

static void dir_path(const struct uns_paths *p, char *buf, size_t size)
{
	snprintf(buf, size, "%s/placements", p->statedir);
}

int placement_read(const struct uns_paths *p, uid_t uid, struct placement *ret, struct errbuf *err)
{
	char dir[PATH_MAX], path[PATH_MAX + 16], buf[PLACEMENT_MAX];
	uid_t owner;
	int r;

	dir_path(p, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%lu", dir, (unsigned long)uid);
	/* By its path (a directory of root's): one open. */
	r = util_read_small(AT_FDCWD, path, buf, sizeof(buf));
	if (r == -ENOENT)
		return r;
	if (r < 0)
		return errbuf_errno(err, r, "cannot read %s", path);
	if (placement_parse(buf, &owner, ret) < 0 || owner != uid) {
		errbuf_set(err, "%s is corrupt or of another version", path);
		return -EBADMSG;
	}
	return 0;
}

int placement_note(const struct uns_paths *p, uid_t uid, const char *user,
		   const struct placement *now, unsigned int lock_timeout_ms, struct errbuf *err)
{
	char dir[PATH_MAX], name[32], buf[PLACEMENT_MAX];
	struct placement last;
	int n, dfd, lockfd, r;

	/* Every login asks; nearly all find it as it was. */
	if (placement_read(p, uid, &last, NULL) == 0 && placement_equal(&last, now))
		return 0;
	n = placement_format(uid, user, now, buf, sizeof(buf));
	if (n < 0) {
		errbuf_set(err, "the placement of uid %lu does not fit its record",
			   (unsigned long)uid);
		return n;
	}
	/* Two logins of one user under different owners' locks: the user's own orders them. */
	r = state_lock(p, owner_user(uid), lock_timeout_ms, &lockfd, err);
	if (r < 0)
		return r;
	r = fault_err("placement.write", err);
	dir_path(p, dir, sizeof(dir));
	if (r == 0) {
		r = util_open_dir(dir, true, 0700, &dfd);
		if (r < 0)
			errbuf_errno(err, r, "cannot open %s", dir);
	}
	if (r == 0) {
		snprintf(name, sizeof(name), "%lu", (unsigned long)uid);
		/*
		 * Durable before the namespace is made, as a lease is: what a
		 * login after a crash (or a reboot during an outage) reads.
		 */
		r = util_write_atomic(dfd, name, buf, (size_t)n, 0600,
				      UTIL_SYNC_DATA | UTIL_SYNC_NAME);
		close(dfd);
		if (r < 0)
			errbuf_errno(err, r, "cannot write %s/%s", dir, name);
	}
	close(lockfd);
	return r;
}

int placement_forget(const struct uns_paths *p, uid_t uid, struct errbuf *err)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];

	dir_path(p, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%lu", dir, (unsigned long)uid);
	if (unlink(path) < 0 && errno != ENOENT)
		return errbuf_errno(err, -errno, "cannot remove %s", path);
	return 0;
}
