/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * usernetns.conf: the entry points.  policy_load() checks the file
 * (regular, root's, not writable by others, in a directory that is not
 * either) before policy_parse() reads it (policy-read.c) and checks it
 * whole (policy-check.c); the parts are listed in policy-internal.h.
 * The defaults live here, and so does what of a policy that cannot be
 * used still holds (policy_fallback()).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy-internal.h"

/* ---- defaults --------------------------------------------------------- */

static void global_init(struct policy_global *g)
{
	*g = (struct policy_global){
		.min_uid = 1000,
		.on_error = POLICY_ON_ERROR_FAIL,
		.teardown = POLICY_TEARDOWN_LAST_LOGOUT,
	};
	snprintf(g->netns_name, sizeof(g->netns_name), "user-%%u");
	snprintf(g->host_ifname, sizeof(g->host_ifname), "vu%%U");
	snprintf(g->peer_ifname, sizeof(g->peer_ifname), "eth0");
}

void policy_rule_init(struct policy_rule *r, enum policy_rule_kind kind)
{
	*r = (struct policy_rule){
		.kind = kind,
		.mode = POLICY_MODE_NONE,
		.prefix4 = 30,
		.prefix6 = 64,
		.mtu = 1500,
		.port_isolation = true,
	};
}

/* Did the file itself set key, to a value that was taken? */
static bool global_key_valid(const struct policy_global *g, enum policy_key key)
{
	return g->key_line[key] && !(g->bad_keys & (1u << key));
}

void policy_fallback(const struct policy *invalid, struct policy_fallback *ret)
{
	struct policy_global builtin;

	global_init(&builtin);
	*ret = (struct policy_fallback){
		.on_error = builtin.on_error,
		.min_uid = builtin.min_uid,
	};
	if (!invalid)
		return;
	if (global_key_valid(&invalid->global, POLICY_KEY_ON_ERROR))
		ret->on_error = invalid->global.on_error;
	if (global_key_valid(&invalid->global, POLICY_KEY_MIN_UID)) {
		ret->min_uid = invalid->global.min_uid;
		ret->min_uid_line = invalid->global.key_line[POLICY_KEY_MIN_UID];
	}
}

const char *policy_section_label(enum policy_rule_kind kind, const char *name, char *buf,
				 size_t size)
{
	switch (kind) {
	case POLICY_RULE_DEFAULT:
		snprintf(buf, size, "[default]");
		break;
	case POLICY_RULE_GROUP:
		snprintf(buf, size, "[group:%s]", name);
		break;
	case POLICY_RULE_USER:
		snprintf(buf, size, "[user:%s]", name);
		break;
	}
	return buf;
}

const char *policy_rule_label(const struct policy_rule *r, char *buf, size_t size)
{
	return policy_section_label(r->kind, r->name, buf, size);
}

/* ---- entry points ----------------------------------------------------- */

void policy_free(struct policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_rules; i++)
		free(p->rules[i].name);
	free(p->rules);
	free(p->path);
	free(p);
}

int policy_parse(const char *name, const char *buf, size_t len, unsigned int flags,
		 struct policy **ret, struct diag *diag)
{
	struct parse_ctx c = {
		.file = name,
		.buf = buf,
		.len = len,
		.flags = flags,
		.diag = diag,
		.state = SECTION_NONE,
	};
	size_t errors_before = diag->n_errors;
	struct policy *p;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->path = strdup(name);
	if (!p->path) {
		free(p);
		return -ENOMEM;
	}
	global_init(&p->global);
	policy_rule_init(&p->defaults, POLICY_RULE_DEFAULT);
	c.p = p;

	policy_read(&c);
	for (size_t i = 0; i < p->n_rules; i++)
		policy_rule_inherit(&p->rules[i], &p->defaults);
	policy_check(p, name, diag);
	policy_collect_ranges(p, name, diag);
	policy_check_reach(p, name, diag);
	/* Names only for a policy that is valid otherwise: a broken one is fixed first. */
	if (diag->n_errors == errors_before && !diag->oom && flags & POLICY_CHECK_NAMES)
		policy_check_names(p, name, diag);

	if (diag->n_errors != errors_before || diag->oom) {
		if (flags & POLICY_KEEP_INVALID) {
			p->invalid = true;
			*ret = p;
		} else {
			policy_free(p);
		}
		return -EINVAL;
	}
	*ret = p;
	return 0;
}

/*
 * The directory holding the policy decides who can replace it: it must
 * not be writable by group or others unless it is sticky (then only the
 * file's owner can rename over it).
 */
static int check_parent(const char *path, uid_t trusted_uid, int *ret_dirfd, const char **ret_base,
			struct diag *diag)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct stat st;
	int fd;

	if (!slash) {
		snprintf(dir, sizeof(dir), ".");
		*ret_base = path;
	} else if (slash == path) {
		snprintf(dir, sizeof(dir), "/");
		*ret_base = slash + 1;
	} else {
		if ((size_t)(slash - path) >= sizeof(dir)) {
			diag_error(diag, path, 0, "path is too long");
			return -ENAMETOOLONG;
		}
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
		*ret_base = slash + 1;
	}
	if (**ret_base == '\0') {
		diag_error(diag, path, 0, "not a file name");
		return -EISDIR;
	}

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		diag_error(diag, path, 0, "cannot open directory %s: %s", dir, strerror(e));
		return -e;
	}
	if (fstat(fd, &st) < 0) {
		int e = errno;

		diag_error(diag, path, 0, "cannot stat directory %s: %s", dir, strerror(e));
		close(fd);
		return -e;
	}
	if (st.st_uid != 0 && st.st_uid != trusted_uid) {
		diag_error(diag, path, 0, "directory %s is owned by uid %lu, not root", dir,
			   (unsigned long)st.st_uid);
		close(fd);
		return -EPERM;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
		diag_error(diag, path, 0, "directory %s is writable by group or others (mode %04o)",
			   dir, (unsigned int)(st.st_mode & 07777));
		close(fd);
		return -EPERM;
	}
	*ret_dirfd = fd;
	return 0;
}

int policy_load(const char *path, uid_t trusted_uid, unsigned int flags, struct policy **ret,
		struct diag *diag)
{
	const char *base;
	char *buf = NULL;
	size_t len = 0;
	struct stat st;
	int dirfd, fd, r;

	r = check_parent(path, trusted_uid, &dirfd, &base, diag);
	if (r < 0)
		return r;

	/* O_NONBLOCK: a FIFO put in the policy's place must not hang a login. */
	fd = openat(dirfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	r = -errno;
	close(dirfd);
	if (fd < 0) {
		if (r == -ELOOP)
			diag_error(diag, path, 0,
				   "is a symbolic link; the policy must be a regular file");
		else
			diag_error(diag, path, 0, "cannot open: %s", strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		diag_error(diag, path, 0, "cannot stat: %s", strerror(-r));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		diag_error(diag, path, 0, "is not a regular file");
		r = -EINVAL;
		goto out;
	}
	if (st.st_uid != 0 && st.st_uid != trusted_uid) {
		diag_error(diag, path, 0, "is owned by uid %lu, not root",
			   (unsigned long)st.st_uid);
		r = -EPERM;
		goto out;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		diag_error(diag, path, 0,
			   "is writable by group or others (mode %04o); run chmod go-w on it",
			   (unsigned int)(st.st_mode & 07777));
		r = -EPERM;
		goto out;
	}

	r = util_read_fd(fd, POLICY_FILE_MAX, &buf, &len);
	if (r == -EFBIG) {
		diag_error(diag, path, 0, "is larger than %u bytes", POLICY_FILE_MAX);
		goto out;
	}
	if (r < 0) {
		diag_error(diag, path, 0, "cannot read: %s", strerror(-r));
		goto out;
	}
	r = policy_parse(path, buf, len, flags, ret, diag);
out:
	free(buf);
	close(fd);
	return r;
}

/* ---- namespaces shared by a group ---------------------------------------- */

/*
 * A shared section's host end unless it says otherwise: "vg" tells it
 * from the users' "vu" (the host's table and the checks rely on it).
 */
#define SHARED_HOST_IFNAME "vg%G"

bool policy_rule_shared(const struct policy_rule *r)
{
	return r->share == POLICY_SHARE_GROUP;
}

const char *policy_rule_netns_name(const struct policy *p, const struct policy_rule *r)
{
	return policy_rule_shared(r) ? r->netns_name : p->global.netns_name;
}

const char *policy_rule_host_ifname(const struct policy *p, const struct policy_rule *r)
{
	if (!policy_rule_shared(r))
		return p->global.host_ifname;
	return r->host_ifname[0] ? r->host_ifname : SHARED_HOST_IFNAME;
}

size_t policy_host_end_starts(const struct policy *p, char (*ret)[IFNAMSIZ])
{
	size_t n = 0;

	for (size_t i = 0; i <= p->n_rules; i++) {
		const struct policy_rule *r = i == 0 ? NULL : &p->rules[i - 1];
		char start[IFNAMSIZ];
		bool seen = false;

		if (r && !policy_rule_shared(r))
			continue;
		/* A valid host_ifname gives at most IFNAMSIZ - 1 bytes, so fits. */
		if (policy_template_pattern(r ? policy_rule_host_ifname(p, r) :
						p->global.host_ifname,
					    r ? TEMPLATE_OF_GROUP : TEMPLATE_OF_USER, NULL, start,
					    sizeof(start)) < 0)
			continue;
		start[policy_pattern_fixed_start(start)] = '\0';
		for (size_t k = 0; k < n && !seen; k++)
			seen = streq(ret[k], start);
		if (!seen)
			memcpy(ret[n++], start, sizeof(start));
	}
	return n;
}

const struct policy_rule *policy_find_rule(const struct policy *p, enum policy_rule_kind kind,
					   const char *name)
{
	for (size_t i = 0; i < p->n_rules; i++)
		if (p->rules[i].kind == kind && streq(p->rules[i].name, name))
			return &p->rules[i];
	return NULL;
}
