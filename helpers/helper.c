/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What every helper does around its work: its messages and options, the
 * caller and whom they may act for (lib/targets.c), the policy, and the
 * privileges the work is done with.  Running nft is in helper-nft.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helper.h"
#include "usernetns/hostns.h"
#include "usernetns/targets.h"

const char *helper_prog = "usernetns";

void helper_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", helper_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void helper_version(void)
{
	printf("%s %s\n", helper_prog, PACKAGE_VERSION);
}

int helper_standard_option(int c, void (*usage)(FILE *out), int usage_code)
{
	switch (c) {
	case 'h':
		usage(stdout);
		return HELPER_EXIT_OK;
	case 'V':
		helper_version();
		return HELPER_EXIT_OK;
	default:
		usage(stderr);
		return usage_code;
	}
}

int helper_no_arguments(int argc, char **argv)
{
	if (optind == argc)
		return 0;
	helper_error("unexpected argument '%s'", argv[optind]);
	return HELPER_EXIT_USAGE;
}

uid_t helper_caller(void)
{
	return getuid();
}

int helper_start(const char *prog, const int *caps)
{
	struct errbuf err = { "" };

	helper_prog = prog;
	/* A file the policy opens must not land on a closed standard fd. */
	for (int fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
			if (open("/dev/null", O_RDWR) != fd)
				return HELPER_EXIT_FAILED;
		}
	if (caps_init(prog, caps, &err) < 0) {
		helper_error("%s", err.msg);
		return HELPER_EXIT_DENIED;
	}
	return 0;
}

static void print_diag(const struct diag *d)
{
	for (size_t i = 0; i < d->n_entries; i++)
		fprintf(stderr, "%s\n", d->entries[i].text);
	if (d->n_dropped)
		helper_error("%zu more messages not shown", d->n_dropped);
}

struct policy *helper_load_policy(const char *config, bool dry_run, bool check_names,
				  int *ret_status)
{
	struct diag diag = DIAG_INIT;
	struct policy *policy = NULL;
	struct errbuf err = { "" };
	uid_t trusted = 0;
	int r;

	*ret_status = HELPER_EXIT_FAILED;
	if (config && helper_caller() != 0) {
		if (!dry_run) {
			helper_error(
				"--config is only for root, or with --dry-run: privileged actions use %s",
				USERNETNS_POLICY_PATH);
			*ret_status = HELPER_EXIT_DENIED;
			return NULL;
		}
		/* Whatever the file says, nothing privileged follows. */
		if (caps_drop_all(&err) < 0) {
			helper_error("%s", err.msg);
			return NULL;
		}
		trusted = helper_caller();
	} else if (config && dry_run) {
		trusted = helper_caller();
	}
	r = policy_load(config ? config : USERNETNS_POLICY_PATH, trusted,
			check_names ? POLICY_CHECK_NAMES : 0, &policy, &diag);
	print_diag(&diag);
	if (r == 0)
		*ret_status = 0;
	if (r < 0) {
		if (r == -EINVAL && diag.n_errors > 0)
			helper_error("%s: %zu error%s; nothing was done",
				     config ? config : USERNETNS_POLICY_PATH, diag.n_errors,
				     diag.n_errors == 1 ? "" : "s");
		diag_clear(&diag);
		return NULL;
	}
	diag_clear(&diag);
	return policy;
}

bool helper_is_admin(const struct policy *policy)
{
	return targets_is_admin(policy);
}

int helper_may_manage(const struct policy *policy, uid_t target, const char *label)
{
	struct errbuf err = { "" };
	int r = targets_may_manage(policy, target, &err);

	if (r == -EPERM) {
		helper_error("not allowed to act for %s: %s", label, err.msg);
		return HELPER_EXIT_DENIED;
	}
	if (r < 0) {
		helper_error("%s", err.msg);
		return HELPER_EXIT_FAILED;
	}
	return 0;
}

int helper_target_uid(const char *user, uid_t *ret)
{
	struct passwd pw;
	char *buf = NULL;
	int r;

	if (!user) {
		*ret = helper_caller();
		return 0;
	}
	r = util_getpwnam(user, &pw, &buf);
	if (r == 0)
		*ret = pw.pw_uid;
	free(buf);
	if (r == -ENOENT) {
		helper_error("unknown user '%s'", user);
		return HELPER_EXIT_FAILED;
	}
	if (r < 0) {
		helper_error("cannot look up user '%s': %s", user, strerror(-r));
		return HELPER_EXIT_FAILED;
	}
	return 0;
}

int helper_target(const struct policy *policy, const char *user, uid_t *ret)
{
	int r = helper_target_uid(user, ret);

	return r ? r : helper_may_manage(policy, *ret, user ? user : "yourself");
}

int helper_plan(const struct policy *policy, const char *user, bool history, struct plan *ret)
{
	struct errbuf err = { "" };
	uid_t uid;
	int r;

	r = helper_target(policy, user, &uid);
	if (r)
		return r;
	/* The record of the last placement is root's: read as root, as a login does. */
	r = history ? caps_fs_root(true, &err) : 0;
	if (r == 0)
		r = plan_resolve_uid(policy, history ? &uns_paths_default : NULL, uid, ret, &err);
	if (history)
		caps_fs_root(false, NULL);
	if (r < 0) {
		helper_error("%s", err.msg);
		return HELPER_EXIT_FAILED;
	}
	return 0;
}

int helper_work_begin(const int *caps, struct errbuf *err)
{
	int r;

	r = caps_fs_root(true, err);
	if (r == 0)
		r = caps_raise(caps, err);
	if (r == 0)
		r = hostns_enter(&uns_paths_default, NULL, err);
	return r;
}

void helper_work_end(void)
{
	caps_lower();
	caps_fs_root(false, NULL);
}
