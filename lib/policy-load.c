/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * usernetns.conf: the entry points.  policy_load() checks the file
 * (regular, root's, not writable by others, in a directory that is not
 * either) before policy_parse() reads it (policy-read.c), gives each
 * section what it did not set from [default], and checks it whole
 * (policy-check.c, policy-ranges.c, policy-nss.c).  Here too: what of a
 * policy that cannot be used still holds (policy_fallback()).  The parts
 * are listed in policy-internal.h; none of them calls back up here.
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

/* Did the file itself set key, to a value that was taken? */
static bool global_key_valid(const struct policy_global *g, enum policy_key key)
{
	return g->key_line[key] && !(g->bad_keys & (1u << key));
}

void policy_fallback(const struct policy *invalid, struct policy_fallback *ret)
{
	struct policy_global builtin;

	policy_global_init(&builtin);
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

int policy_parse(const char *name, const char *buf, size_t len, unsigned int flags,
		 struct policy **ret, struct diag *diag)
{
	struct parse_ctx c = {
		.file = name,
		.buf = buf,
		.len = len,
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
	policy_global_init(&p->global);
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
