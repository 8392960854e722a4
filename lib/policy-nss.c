/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dry run's look at the name service (POLICY_CHECK_NAMES): sections
 * naming nobody it knows, and SSSD's own configuration, the settings under
 * which NSS cannot say that a user left a group (lib/plan.c, check_move()).
 * A login asks NSS alone, never SSSD nor its files: these are warnings
 * (and an error for a group nobody knows) for an admin, never a login's.
 * sssd.conf is root's: for anybody else there is nothing to read, and
 * nothing is said.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "policy-internal.h"

#define SSSD_CONF_MAX (1u << 20)

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* One file of SSSD's: INI, sections [domain/NAME], comments with # or ;. */
static void check_file(const char *path, struct diag *d)
{
	char section[128] = "", *text = NULL, *line, *save = NULL;
	unsigned int lineno = 0;
	size_t len;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return;
	if (util_read_fd(fd, SSSD_CONF_MAX, &text, &len) < 0) {
		close(fd);
		return;
	}
	close(fd);
	/* strtok_r would skip empty lines, and the line numbers with them. */
	for (line = text; line; line = save) {
		char *eq, *key, *value;

		save = strchr(line, '\n');
		if (save)
			*save++ = '\0';
		lineno++;
		line = trim(line);
		if (*line == '[') {
			snprintf(section, sizeof(section), "%s", line);
			continue;
		}
		eq = strchr(line, '=');
		if (*line == '#' || *line == ';' || !eq)
			continue;
		*eq = '\0';
		key = trim(line);
		value = trim(eq + 1);
		if (streq(key, "ignore_group_members") && strcasecmp(value, "true") == 0)
			diag_warning(
				d, path, lineno,
				"ignore_group_members = true in %s: its groups' entries list no members, so a member is known by their own group list alone, which SSSD offline leaves short for a user whose groups it has not cached; a user once placed so is refused rather than moved until the list shows the group again, or root runs usernetns-cleanup --forget USER; and a local user is never a member of that domain's groups",
				section[0] ? section : "sssd.conf");
	}
	free(text);
}

static int conf_name(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return e->d_name[0] != '.' && n > 5 && streq(e->d_name + n - 5, ".conf");
}

void policy_check_sssd(const char *dir, struct diag *d)
{
	struct dirent **v = NULL;
	char path[PATH_MAX];
	int n;

	snprintf(path, sizeof(path), "%s/sssd.conf", dir);
	check_file(path, d);
	/* And its snippets, in the order SSSD reads them. */
	snprintf(path, sizeof(path), "%s/conf.d", dir);
	n = scandir(path, &v, conf_name, alphasort);
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/conf.d/%s", dir, v[i]->d_name);
		check_file(path, d);
		free(v[i]);
	}
	free(v);
}

/* Lookups through NSS: only when asked, as they may be slow. */
void policy_check_names(const struct policy *p, const char *file, struct diag *d)
{
	const struct policy_global *g = &p->global;
	bool groups = false;
	char *buf = NULL;

	if (g->admin_group[0] && !getgrnam(g->admin_group))
		diag_warning(d, file, g->key_line[POLICY_KEY_ADMIN_GROUP],
			     "admin_group '%s' is not a known group", g->admin_group);

	for (size_t i = 0; i < p->n_rules; i++) {
		const struct policy_rule *r = &p->rules[i];
		struct passwd *pw;
		struct group gr;
		int e;

		if (r->kind == POLICY_RULE_GROUP) {
			/*
			 * Not a section that never applies: whether a user is in
			 * a group NSS does not know (an offline SSSD's answer for
			 * a group it has not cached) cannot be told, so every
			 * login that reaches it is refused (lib/plan.c).
			 */
			groups = true;
			e = util_getgrnam(r->name, &gr, &buf);
			if (e == -ENOENT)
				diag_error(
					d, file, r->line,
					"[group:%s]: no such group: every login this section is reached for is refused (a misspelt name, or a directory that is offline and has not cached the group)",
					r->name);
			else if (e < 0)
				diag_error(
					d, file, r->line,
					"[group:%s]: cannot look up the group (a name service failed: %s)",
					r->name, strerror(-e));
			continue;
		}
		pw = getpwnam(r->name);
		if (!pw)
			diag_warning(d, file, r->line,
				     "[user:%s]: no such user; the section never applies", r->name);
		else if (pw->pw_uid < g->min_uid)
			diag_warning(
				d, file, r->line,
				"[user:%s]: uid %lu is below min_uid %lu; the section never applies",
				r->name, (unsigned long)pw->pw_uid, (unsigned long)g->min_uid);
	}
	free(buf);
	/* What SSSD's settings keep NSS from saying of group members. */
	if (groups)
		policy_check_sssd(SSSD_CONF_DIR, d);
}
