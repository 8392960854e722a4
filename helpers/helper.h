/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the helpers share: messages, the caller, the policy, whom the
 * caller may act for (helper.c), and running nft (helper-nft.c).  The
 * work itself is in lib/.
 */
#ifndef USERNETNS_HELPER_H
#define USERNETNS_HELPER_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "usernetns/caps.h"
#include "usernetns/plan.h"
#include "usernetns/policy.h"

/* Exit codes of create, list and cleanup (join uses 125 for its own). */
enum {
	HELPER_EXIT_OK = 0,
	HELPER_EXIT_FAILED = 1,
	HELPER_EXIT_USAGE = 2,
	HELPER_EXIT_DENIED = 3,
};

extern const char *helper_prog;

/* "PROG: message" on stderr. */
__attribute__((format(printf, 1, 2))) void helper_error(const char *fmt, ...);

/*
 * Start a helper: drop what must not survive (a privileged program trusts
 * nothing it inherits), note who the caller is, and check the permitted
 * capabilities (all lowered).  0, or an exit code after printing why.
 */
int helper_start(const char *prog, const int *caps);

/* The caller's real uid, and whether it is root. */
uid_t helper_caller(void);

/*
 * Load the policy.  config is NULL for the built-in path; a caller's own
 * file is only taken by root, or for a dry run after every capability
 * has been dropped (then it may be owned by the caller).  Prints the
 * diagnostics; returns NULL after printing why, with the exit code in
 * *ret_status.
 */
struct policy *helper_load_policy(const char *config, bool dry_run, bool check_names,
				  int *ret_status);

/*
 * The plan for user (NULL: the caller), provided the caller may act for
 * them; with history, judged against the user's last placement as a
 * login judges it (plan_resolve()).  Returns 0, or an exit code after
 * printing why.
 */
int helper_plan(const struct policy *policy, const char *user, bool history, struct plan *ret);

/* The uid named by user (a name), or the caller; exit code on failure. */
int helper_target_uid(const char *user, uid_t *ret);

/*
 * The uid named by user (NULL: the caller), provided the caller may act
 * for them; an exit code after printing why not.
 */
int helper_target(const struct policy *policy, const char *user, uid_t *ret);

/* May the caller act for target?  Exit code after printing why, or 0. */
int helper_may_manage(const struct policy *policy, uid_t target, const char *label);

/* Is the caller root or in admin_group?  Quiet: for choosing defaults. */
bool helper_is_admin(const struct policy *policy);

/*
 * Before privileged work: file access as root (state is root's), caps
 * raised, and the calling thread in the host's network namespace, where
 * a login does the same work.  helper_work_end() lowers both again.
 */
int helper_work_begin(const int *caps, struct errbuf *err);
void helper_work_end(void);

/*
 * nft(8): run, never linked (GPL), by usernetns-firewall and
 * usernetns-create --dry-run only.
 *
 * helper_nft_load() gives nft -f the script on its standard input, its
 * messages on our standard error: 0, -ENOENT when nft is not installed,
 * -EIO when it failed.
 *
 * helper_nft_check() asks whether nft would load table (nft -c), in a
 * network namespace made for it: an empty ruleset, whatever the host's,
 * and through a user namespace of its own for a caller who may not make
 * one, so that anybody may ask.  nft asks the kernel too.  0 when it
 * would; -EBADMSG when nft refuses it (why: nft's reason, "at line 4:10-20:
 * ..."); -ENOENT when nft is not installed; -EPERM when it cannot be
 * checked here, nft's error naming no place in the table (why says why).
 */
int helper_nft_load(const char *script);
int helper_nft_check(const char *table, struct errbuf *why);

/*
 * helper_nft_check(), said of what (NULL: "the table"): an error with
 * nft's reason when it refuses the table (HELPER_EXIT_FAILED), a warning
 * when it cannot be asked (0), nothing when it would load it (0).
 */
int helper_nft_verdict(const char *table, const char *what);

/*
 * The host's table as policy makes it, on standard output, and nft's
 * verdict on it (helper_nft_verdict()); an exit code.  With heading
 * (usernetns-create --dry-run's), the table comes after it and is
 * "the host's side", and a policy it cannot be made from is a warning
 * (the plans said what matters); without, it is the table, and an error.
 */
int helper_print_host_table(const struct policy *policy, const char *heading);

/* Print --version. */
void helper_version(void);

/*
 * Every helper's -h, -V and unknown options: what they ask printed, and
 * the exit code (0, or usage_code for an unknown one).
 */
int helper_standard_option(int c, void (*usage)(FILE *out), int usage_code);

/* After the options, no argument is left: 0, or the usage exit code after saying so. */
int helper_no_arguments(int argc, char **argv);

#endif
