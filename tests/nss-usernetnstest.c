/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libnss_usernetnstest.so.2: a name service of the tests' own, standing in
 * for a directory (LDAP, SSSD) that can be up, down or half down, so that
 * the tests see glibc's real behaviour when a source fails.
 *
 * Users: dora (1201, primary group dora), ed (1202, primary group
 * labnet) and "mal\nlory" (1203, primary group labnet: a directory can
 * hold names no useradd would make); groups: dora (1201), ed (1202),
 * labnet (2201, members dora and fred, a local user of /etc/passwd that
 * the tests add), crowd (2202, dora and 299 others: an entry larger than
 * glibc's first buffer, 1 KiB).  As SSSD does, it gives group lists
 * (initgroups) to its own users only: fred's is not its to give.
 *
 * Every question it is asked is a line of /run/nss-usernetnstest.asked
 * when that file exists ("getgrnam_r crowd"), asked again for want of
 * room or not: the tests count them.
 *
 * The words in /run/nss-usernetnstest (absent: all up) take parts down:
 *   passwd      user lookups fail as SSSD's do without its daemon:
 *               NSS_STATUS_UNAVAIL, errno ENOENT
 *   group       group lookups fail the same way, initgroups too
 *   initgroups  only the user's group list fails (ETIMEDOUT): a
 *               directory that answers one question and not the other
 * and play SSSD's answers that are no failure:
 *   offline     SSSD offline, no group cached: every group "not found",
 *               no group list (users still answer, from the cache)
 *   groups-uncached  SSSD offline, no user's groups cached: group lists
 *               "not found", so a list holds the primary group alone
 *   members-hidden   ignore_group_members = true: group entries list
 *               nobody (group lists still name the groups)
 *   dora-left   dora is no longer in labnet
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <nss.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STATE_FILE "/run/nss-usernetnstest"
#define ASKED_FILE "/run/nss-usernetnstest.asked"

enum nss_status _nss_usernetnstest_getpwnam_r(const char *name, struct passwd *pw,
					      char *buf, size_t len, int *errnop);
enum nss_status _nss_usernetnstest_getpwuid_r(uid_t uid, struct passwd *pw,
					      char *buf, size_t len, int *errnop);
enum nss_status _nss_usernetnstest_getgrnam_r(const char *name, struct group *gr,
					      char *buf, size_t len, int *errnop);
enum nss_status _nss_usernetnstest_getgrgid_r(gid_t gid, struct group *gr,
					      char *buf, size_t len, int *errnop);
enum nss_status _nss_usernetnstest_initgroups_dyn(const char *user, gid_t group,
						  long int *start, long int *size,
						  gid_t **groupsp, long int limit,
						  int *errnop);

struct test_user {
	const char *name;
	uid_t uid;
	gid_t gid;
};

struct test_group {
	const char *name;
	gid_t gid;
	const char *members[3];
	unsigned int others; /* and as many more, named c001, c002, ... */
};

static const struct test_user users[] = {
	{ "dora", 1201, 1201 },
	{ "ed", 1202, 2201 },
	{ "mal\nlory", 1203, 2201 },
};

static const struct test_group groups[] = {
	{ "dora", 1201, { NULL }, 0 },
	{ "ed", 1202, { NULL }, 0 },
	{ "labnet", 2201, { "dora", "fred", NULL }, 0 },
	{ "crowd", 2202, { "dora", NULL }, 299 },
};

/* Note a question: what was asked, of whom. */
static void asked(const char *what, const char *key)
{
	char line[256];
	int fd, n;

	fd = open(ASKED_FILE, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return;
	n = snprintf(line, sizeof(line), "%s %s\n", what, key);
	if (n > 0 && (size_t)n < sizeof(line)) {
		/* A line lost makes a count short: the test that reads them fails. */
		ssize_t w = write(fd, line, (size_t)n);

		(void)w;
	}
	close(fd);
}

/* The same for a number. */
static void asked_id(const char *what, unsigned long id)
{
	char key[32];

	snprintf(key, sizeof(key), "%lu", id);
	asked(what, key);
}

/* Is part (a word of the state file) down? */
static bool down(const char *part)
{
	char buf[256];
	ssize_t n;
	int fd;

	fd = open(STATE_FILE, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	for (char *w = strtok(buf, " \n"); w; w = strtok(NULL, " \n"))
		if (strcmp(w, part) == 0)
			return true;
	return false;
}

/* A copy of s in the caller's buffer, or NULL when it is full. */
static char *put(const char *s, char **buf, size_t *len)
{
	size_t n = strlen(s) + 1;
	char *p = *buf;

	if (n > *len)
		return NULL;
	memcpy(p, s, n);
	*buf += n;
	*len -= n;
	return p;
}

static enum nss_status fill_user(const struct test_user *u, struct passwd *pw,
				 char *buf, size_t len, int *errnop)
{
	pw->pw_uid = u->uid;
	pw->pw_gid = u->gid;
	if (!(pw->pw_name = put(u->name, &buf, &len)) ||
	    !(pw->pw_passwd = put("x", &buf, &len)) ||
	    !(pw->pw_gecos = put("", &buf, &len)) ||
	    !(pw->pw_dir = put("/tmp", &buf, &len)) ||
	    !(pw->pw_shell = put("/bin/sh", &buf, &len))) {
		*errnop = ERANGE;
		return NSS_STATUS_TRYAGAIN;
	}
	return NSS_STATUS_SUCCESS;
}

/* Does the directory, as it is now, have user in g? */
static bool member_now(const struct test_group *g, size_t k)
{
	return !(strcmp(g->name, "labnet") == 0 && strcmp(g->members[k], "dora") == 0 &&
		 down("dora-left"));
}

static enum nss_status fill_group(const struct test_group *g, struct group *gr,
				  char *buf, size_t len, int *errnop)
{
	const char *shown[3];
	char **mem, other[16];
	size_t n = 0, all, align;

	for (size_t k = 0; g->members[k]; k++)
		if (member_now(g, k) && !down("members-hidden"))
			shown[n++] = g->members[k];
	all = n + (down("members-hidden") ? 0 : g->others);
	/* The member array first, aligned for pointers. */
	align = (uintptr_t)buf % sizeof(char *) ?
			sizeof(char *) - (uintptr_t)buf % sizeof(char *) : 0;
	if (len < align + (all + 1) * sizeof(char *))
		goto range;
	mem = (char **)(void *)(buf + align);
	buf += align + (all + 1) * sizeof(char *);
	len -= align + (all + 1) * sizeof(char *);
	for (size_t i = 0; i < n; i++)
		if (!(mem[i] = put(shown[i], &buf, &len)))
			goto range;
	for (size_t i = n; i < all; i++) {
		snprintf(other, sizeof(other), "c%03zu", i - n + 1);
		if (!(mem[i] = put(other, &buf, &len)))
			goto range;
	}
	mem[all] = NULL;
	gr->gr_mem = mem;
	gr->gr_gid = g->gid;
	if (!(gr->gr_name = put(g->name, &buf, &len)) ||
	    !(gr->gr_passwd = put("x", &buf, &len)))
		goto range;
	return NSS_STATUS_SUCCESS;
range:
	*errnop = ERANGE;
	return NSS_STATUS_TRYAGAIN;
}

/* What SSSD's client says when its daemon is not there. */
static enum nss_status unavailable(int *errnop)
{
	*errnop = ENOENT;
	return NSS_STATUS_UNAVAIL;
}

enum nss_status _nss_usernetnstest_getpwnam_r(const char *name, struct passwd *pw,
					      char *buf, size_t len, int *errnop)
{
	asked("getpwnam_r", name);
	if (down("passwd"))
		return unavailable(errnop);
	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++)
		if (strcmp(users[i].name, name) == 0)
			return fill_user(&users[i], pw, buf, len, errnop);
	return NSS_STATUS_NOTFOUND;
}

enum nss_status _nss_usernetnstest_getpwuid_r(uid_t uid, struct passwd *pw,
					      char *buf, size_t len, int *errnop)
{
	asked_id("getpwuid_r", uid);
	if (down("passwd"))
		return unavailable(errnop);
	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++)
		if (users[i].uid == uid)
			return fill_user(&users[i], pw, buf, len, errnop);
	return NSS_STATUS_NOTFOUND;
}

enum nss_status _nss_usernetnstest_getgrnam_r(const char *name, struct group *gr,
					      char *buf, size_t len, int *errnop)
{
	asked("getgrnam_r", name);
	if (down("group"))
		return unavailable(errnop);
	if (down("offline"))
		return NSS_STATUS_NOTFOUND;
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (strcmp(groups[i].name, name) == 0)
			return fill_group(&groups[i], gr, buf, len, errnop);
	return NSS_STATUS_NOTFOUND;
}

enum nss_status _nss_usernetnstest_getgrgid_r(gid_t gid, struct group *gr,
					      char *buf, size_t len, int *errnop)
{
	asked_id("getgrgid_r", gid);
	if (down("group"))
		return unavailable(errnop);
	if (down("offline"))
		return NSS_STATUS_NOTFOUND;
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (groups[i].gid == gid)
			return fill_group(&groups[i], gr, buf, len, errnop);
	return NSS_STATUS_NOTFOUND;
}

enum nss_status _nss_usernetnstest_initgroups_dyn(const char *user, gid_t group,
						  long int *start, long int *size,
						  gid_t **groupsp, long int limit,
						  int *errnop)
{
	bool ours = false;

	asked("initgroups_dyn", user);
	if (down("group") || down("initgroups")) {
		*errnop = ETIMEDOUT;
		return NSS_STATUS_UNAVAIL;
	}
	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++)
		ours |= strcmp(users[i].name, user) == 0;
	/* Not a user of ours, or none of the groups cached: no answer, and no error. */
	if (!ours || down("offline") || down("groups-uncached"))
		return NSS_STATUS_NOTFOUND;
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		const struct test_group *g = &groups[i];
		bool member = false;

		for (size_t k = 0; g->members[k]; k++)
			member |= strcmp(g->members[k], user) == 0 && member_now(g, k);
		if (!member || g->gid == group)
			continue;
		if (*start == *size) {
			long int want = *size * 2;
			gid_t *v;

			if (limit > 0 && want > limit)
				want = limit;
			if (want <= *size)
				break;
			v = realloc(*groupsp, (size_t)want * sizeof(*v));
			if (!v) {
				*errnop = ENOMEM;
				return NSS_STATUS_TRYAGAIN;
			}
			*groupsp = v;
			*size = want;
		}
		(*groupsp)[(*start)++] = g->gid;
	}
	return NSS_STATUS_SUCCESS;
}
