/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pam_usernetns: put a session into its user's own network namespace.
 *
 * open_session:  policy -> plan -> namespace ensured and session recorded
 *                (lib/session.c) -> the calling thread enters it, verified.
 * close_session: session dropped; the last one may remove the namespace.
 *
 * All the work is in lib/; this file is PAM glue: options, logging,
 * return codes, and the data that carries a session from open to close.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "usernetns/ensure.h"
#include "usernetns/hostns.h"
#include "usernetns/netns.h"
#include "usernetns/placement.h"
#include "usernetns/plan.h"
#include "usernetns/policy.h"
#include "usernetns/session.h"

#define DATA_NAME "pam_usernetns_session"

struct options {
	bool debug;
	const char *conf;
	unsigned long lock_timeout_ms;
};

enum option_type {
	OPT_FLAG,
	OPT_STRING,
	OPT_MSEC,
};

struct option_def {
	const char *name;
	enum option_type type;
	size_t offset;
};

/* Sorted by name. */
static const struct option_def option_defs[] = {
	{ "conf", OPT_STRING, offsetof(struct options, conf) },
	{ "debug", OPT_FLAG, offsetof(struct options, debug) },
	{ "lock_timeout", OPT_MSEC, offsetof(struct options, lock_timeout_ms) },
};

/* What open_session leaves for close_session (and for nothing else). */
struct session_data {
	char id[SESSION_ID_MAX];
	owner_t owner;		  /* the user, or the group whose namespace it is */
	struct hostns_saved orig; /* the process's namespace before open */
};

__attribute__((format(printf, 3, 4))) static void debug(pam_handle_t *pamh, const struct options *o,
							const char *fmt, ...)
{
	va_list ap;

	if (!o->debug)
		return;
	va_start(ap, fmt);
	pam_vsyslog(pamh, LOG_DEBUG, fmt, ap);
	va_end(ap);
}

static void parse_options(pam_handle_t *pamh, int argc, const char **argv, struct options *o)
{
	*o = (struct options){
		.conf = USERNETNS_POLICY_PATH,
		.lock_timeout_ms = STATE_LOCK_TIMEOUT_MS,
	};
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i], *eq = strchr(arg, '=');
		size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
		const struct option_def *d = NULL;

		for (size_t k = 0; k < sizeof(option_defs) / sizeof(option_defs[0]); k++)
			if (strlen(option_defs[k].name) == n &&
			    strncmp(option_defs[k].name, arg, n) == 0)
				d = &option_defs[k];
		if (!d || (d->type == OPT_FLAG) != !eq) {
			pam_syslog(pamh, LOG_ERR, "unknown or malformed option: %s", arg);
			continue;
		}
		switch (d->type) {
		case OPT_FLAG:
			*(bool *)((char *)o + d->offset) = true;
			break;
		case OPT_STRING:
			*(const char **)((char *)o + d->offset) = eq + 1;
			break;
		case OPT_MSEC:
			if (util_parse_ulong(eq + 1, (unsigned long *)((char *)o + d->offset)) < 0)
				pam_syslog(pamh, LOG_ERR, "option %s: not a number of milliseconds",
					   arg);
			break;
		}
	}
}

static void free_data(pam_handle_t *pamh, void *data, int error_status)
{
	struct session_data *d = data;

	/*
	 * Also runs in forked children (PAM_DATA_SILENT) and at pam_end():
	 * release memory and our fd, never tear anything down.
	 */
	hostns_saved_close(&d->orig);
	free(d);
}

/* A failure to place a session: logged, then what on_error says. */
__attribute__((format(printf, 4, 5))) static int
fail(pam_handle_t *pamh, enum policy_on_error on_error, const char *user, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (on_error == POLICY_ON_ERROR_IGNORE) {
		pam_syslog(
			pamh, LOG_ERR,
			"cannot place the session of %s in its network namespace: %s; it stays on the host network (on_error = ignore)",
			user, msg);
		return PAM_IGNORE;
	}
	pam_syslog(
		pamh, LOG_ERR,
		"cannot place the session of %s in its network namespace: %s; refusing the session",
		user, msg);
	/* Not PAM_SESSION_ERR: sudo ignores that and would run on the host. */
	return PAM_SYSTEM_ERR;
}

static void log_diag(pam_handle_t *pamh, const struct diag *d)
{
	for (size_t i = 0; i < d->n_entries; i++)
		pam_syslog(pamh, d->entries[i].level == DIAG_ERROR ? LOG_ERR : LOG_WARNING, "%s",
			   d->entries[i].text);
	if (d->n_dropped)
		pam_syslog(pamh, LOG_ERR, "%zu more policy messages not shown", d->n_dropped);
}

/* What makes the policy unusable, in one line: its first error. */
static void first_error(const struct diag *d, char *buf, size_t size)
{
	for (size_t i = 0; i < d->n_entries; i++) {
		if (d->entries[i].level != DIAG_ERROR)
			continue;
		if (d->n_errors > 1)
			snprintf(buf, size, "%s; %zu more errors", d->entries[i].text,
				 d->n_errors - 1);
		else
			snprintf(buf, size, "%s", d->entries[i].text);
		return;
	}
	snprintf(buf, size, "out of memory");
}

/*
 * Load the policy.  When it cannot be used, *ret_fallback says what of it
 * still holds, and problem why it cannot.
 */
static int load_policy(pam_handle_t *pamh, const struct options *o, struct policy **ret,
		       struct policy_fallback *ret_fallback, char *problem, size_t size)
{
	struct diag d = DIAG_INIT;
	struct policy *p = NULL;
	int r;

	r = policy_load(o->conf, 0, POLICY_KEEP_INVALID, &p, &d);
	log_diag(pamh, &d);
	if (r < 0) {
		policy_fallback(p, ret_fallback);
		first_error(&d, problem, size);
		policy_free(p);
	} else {
		*ret = p;
	}
	diag_clear(&d);
	return r;
}

/*
 * Without a usable policy: root and the accounts below min_uid go on, on
 * the host network, and the log says so at LOG_CRIT (a typo must not
 * take a rescue boot to fix, nor go unnoticed because root still gets
 * in); every other login gets what on_error says.
 */
static int policy_unusable(pam_handle_t *pamh, const struct options *o,
			   const struct policy_fallback *f, const char *problem, const char *user)
{
	struct errbuf why = { "" };
	int r;

	r = plan_fallback_exempt(f, user, &why);
	if (r > 0) {
		pam_syslog(
			pamh, LOG_CRIT,
			"policy %s is not usable (%s): the session of %s goes on, on the host network (%s); every other session %s until the policy is fixed",
			o->conf, problem, user, why.msg,
			f->on_error == POLICY_ON_ERROR_IGNORE ?
				"stays on the host network too (on_error = ignore)" :
				"is refused");
		return PAM_IGNORE;
	}
	if (r < 0)
		pam_syslog(pamh, LOG_ERR, "%s", why.msg);
	else
		debug(pamh, o, "%s is not exempt: %s", user, why.msg);
	return fail(pamh, f->on_error, user, "policy %s is not usable", o->conf);
}

/*
 * A user the policy now places elsewhere than last time: never silent.  A
 * fall to the host network is a warning, and is then forgotten (the next
 * login of a user placed nowhere has nothing to say).
 */
static void log_move(pam_handle_t *pamh, const char *user, const struct plan *plan)
{
	char from[POLICY_NAME_MAX + 16], to[POLICY_NAME_MAX + 16];
	struct errbuf err = { "" };

	if (plan->history != PLAN_HISTORY_MOVED)
		return;
	policy_section_label(plan->last.kind, plan->last.name, from, sizeof(from));
	plan_rule_label(plan, to, sizeof(to));
	if (plan->verdict == PLAN_HANDLED) {
		pam_syslog(pamh, LOG_NOTICE,
			   "%s was last placed by %s (mode %s); now by %s (mode %s)", user, from,
			   policy_mode_to_string(plan->last.mode), to,
			   policy_mode_to_string(plan->mode));
		return;
	}
	pam_syslog(
		pamh, LOG_WARNING,
		"%s was last placed by %s (mode %s); now %s gives mode none: the session stays on the host network",
		user, from, policy_mode_to_string(plan->last.mode), to);
	if (placement_forget(&uns_paths_default, plan->uid, &err) < 0)
		pam_syslog(pamh, LOG_ERR, "%s", err.msg);
}

static const char *changes_text(unsigned int c)
{
	if (c & ENSURE_CREATED)
		return "created";
	if (c & ENSURE_REPAIRS)
		return "repaired";
	return "existing";
}

PAM_EXTERN int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct session_data *data = NULL;
	struct session_open_result res;
	enum policy_on_error on_error = POLICY_ON_ERROR_FAIL;
	struct policy_fallback fallback;
	struct policy *policy = NULL;
	struct errbuf err = { "" };
	const void *service = NULL;
	char problem[1024];
	const char *user = NULL;
	struct options o;
	struct plan plan;
	char env[NAME_MAX + 16];
	int threads, r, ret;

	parse_options(pamh, argc, argv, &o);
	if (pam_get_user(pamh, &user, NULL) != PAM_SUCCESS || !user || !*user) {
		pam_syslog(pamh, LOG_ERR, "cannot determine the user name");
		return PAM_USER_UNKNOWN;
	}
	pam_get_item(pamh, PAM_SERVICE, &service);

	if (load_policy(pamh, &o, &policy, &fallback, problem, sizeof(problem)) < 0)
		return policy_unusable(pamh, &o, &fallback, problem, user);
	on_error = policy->global.on_error;

	r = plan_resolve(policy, &uns_paths_default, user, &plan, &err);
	if (r == -ENOENT) {
		pam_syslog(pamh, LOG_ERR, "%s", err.msg);
		ret = PAM_USER_UNKNOWN;
		goto out;
	}
	if (r < 0) {
		ret = fail(pamh, on_error, user, "%s", err.msg);
		goto out;
	}
	log_move(pamh, user, &plan);
	if (plan.verdict != PLAN_HANDLED) {
		debug(pamh, &o, "%s is not handled: %s", user,
		      plan.verdict == PLAN_BELOW_MIN_UID ? "uid below min_uid" : "mode none");
		ret = PAM_IGNORE;
		goto out;
	}

	if (plan.placed.member != PLACEMENT_MEMBER_NONE)
		debug(pamh, &o, "%s is a member of %s by the %s answer%s", user, plan.placed.name,
		      placement_member_to_string(plan.placed.member),
		      plan.in_group_list ? "" : "; the user's group list lacks it");

	/* setns() moves one thread: the others would stay on the host. */
	threads = util_thread_count();
	if (threads != 1) {
		ret = fail(
			pamh, on_error, user,
			"the calling process has %d threads; only a single-threaded process can be moved",
			threads);
		goto out;
	}

	data = calloc(1, sizeof(*data));
	if (!data) {
		ret = fail(pamh, on_error, user, "out of memory");
		goto out;
	}
	data->owner = plan.owner;
	r = hostns_save(&data->orig, &err);
	if (r < 0) {
		ret = fail(pamh, on_error, user, "%s", err.msg);
		goto out;
	}

	/* Namespaces are made from the host's, whatever ours is now. */
	r = hostns_enter(&uns_paths_default, NULL, &err);
	if (r < 0) {
		ret = fail(pamh, on_error, user, "%s", err.msg);
		goto restore;
	}

	r = session_open(&uns_paths_default, &plan, getpid(), service,
			 (unsigned int)o.lock_timeout_ms, &res, &err);
	if (r < 0) {
		ret = fail(pamh, on_error, user, "%s", err.msg);
		goto restore;
	}
	snprintf(data->id, sizeof(data->id), "%s", res.id);

	r = netns_enter(res.ensure.netns_fd, &res.ensure.id, &err);
	close(res.ensure.netns_fd);
	if (r == 0) {
		snprintf(env, sizeof(env), "USERNETNS=%s", plan.netns);
		if (pam_putenv(pamh, env) != PAM_SUCCESS) {
			snprintf(err.msg, sizeof(err.msg), "cannot set %s", env);
			r = -ENOMEM;
		}
	}
	if (r == 0 && pam_set_data(pamh, DATA_NAME, data, free_data) != PAM_SUCCESS) {
		snprintf(err.msg, sizeof(err.msg), "cannot keep the session data");
		r = -ENOMEM;
	}
	if (r < 0) {
		struct errbuf ignored;

		/* Back on the host first: the namespace may be undone. */
		if (hostns_restore(&data->orig, &ignored) == 0)
			session_abort(&uns_paths_default, plan.owner, data->id,
				      res.ensure.changes & ENSURE_CREATED,
				      (unsigned int)o.lock_timeout_ms, &ignored);
		ret = fail(pamh, on_error, user, "%s", err.msg);
		goto restore;
	}

	pam_syslog(pamh, LOG_INFO, "session of %s placed in network namespace %s (%s)", user,
		   plan.netns, changes_text(res.ensure.changes));
	/* Never a silent "no internet". */
	if (res.ensure.record.host_side[0] && !streq(res.ensure.record.host_side, "ok"))
		pam_syslog(
			pamh, LOG_ERR,
			"mode nat for %s: the host's side is not in place (%s): the session has no way out; run usernetns-firewall --load (usernetns-firewall.service)",
			user, res.ensure.record.host_side);
	if (res.ensure.names_held[0])
		pam_syslog(pamh, LOG_WARNING, "namespace %s of %s: %s; not published for it",
			   plan.netns, user, res.ensure.names_held);
	if (res.ensure.dns_problem[0])
		pam_syslog(pamh, LOG_WARNING,
			   "dns = host for %s: %s; names do not resolve in the namespace", user,
			   res.ensure.dns_problem);
	debug(pamh, &o, "%s: namespace inode %llu, session %s, changes 0x%x", user,
	      (unsigned long long)res.ensure.id.ino, data->id, res.ensure.changes);
	data = NULL; /* owned by PAM now */
	ret = PAM_SUCCESS;
	goto out;

restore:
	/* Leave the process where it was: no half placement. */
	if (data && data->orig.fd >= 0 && hostns_restore(&data->orig, &err) < 0) {
		pam_syslog(pamh, LOG_CRIT, "cannot return to the original network namespace: %s",
			   err.msg);
		ret = PAM_SYSTEM_ERR;
	}
out:
	if (data)
		free_data(pamh, data, 0);
	policy_free(policy);
	return ret;
}

PAM_EXTERN int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	enum policy_teardown teardown = POLICY_TEARDOWN_NEVER;
	struct policy_fallback ignored_fallback;
	struct session_close_result res;
	struct session_data *data = NULL;
	struct policy *policy = NULL;
	struct errbuf err = { "" };
	const char *user = "?";
	char problem[1024];
	struct options o;
	int r;

	parse_options(pamh, argc, argv, &o);
	pam_get_user(pamh, &user, NULL);
	if (pam_get_data(pamh, DATA_NAME, (const void **)&data) != PAM_SUCCESS || !data) {
		debug(pamh, &o, "no session of %s was placed by this handle", user);
		return PAM_IGNORE;
	}

	/* (sd-pam) and the like close sessions without privilege: do no harm. */
	if (geteuid() != 0) {
		debug(pamh, &o,
		      "not running as root: leaving the namespace of %s to the next login or usernetns-cleanup",
		      user);
		pam_set_data(pamh, DATA_NAME, NULL, NULL);
		return PAM_SUCCESS;
	}

	if (load_policy(pamh, &o, &policy, &ignored_fallback, problem, sizeof(problem)) == 0)
		teardown = policy->global.teardown;
	else
		pam_syslog(pamh, LOG_ERR,
			   "policy %s is not usable (%s): not removing any namespace", o.conf,
			   problem);
	policy_free(policy);

	/* The work is done from the host's namespace, as at open. */
	r = hostns_enter(&uns_paths_default, &data->orig, &err);
	if (r < 0) {
		pam_syslog(
			pamh, LOG_ERR,
			"cannot reach the host network namespace (%s): not removing the namespace of %s",
			err.msg, user);
		teardown = POLICY_TEARDOWN_NEVER;
	}

	r = session_close(&uns_paths_default, data->owner, data->id, teardown,
			  (unsigned int)o.lock_timeout_ms, &res, &err);
	if (r < 0) {
		pam_syslog(pamh, LOG_ERR, "cannot close the session of %s: %s", user, err.msg);
	} else {
		switch (res.outcome) {
		case SESSION_REMOVED:
			pam_syslog(pamh, LOG_INFO,
				   "last session of %s closed: its network namespace was removed",
				   user);
			if (res.uncounted[0])
				pam_syslog(
					pamh, LOG_WARNING,
					"the traffic of %s's namespace is not in their usage: %s",
					user, res.uncounted);
			break;
		case SESSION_BUSY:
			pam_syslog(
				pamh, LOG_INFO,
				"last session of %s closed: namespace kept, process %ld still in it",
				user, (long)res.busy_pid);
			break;
		case SESSION_OTHERS_REMAIN:
			debug(pamh, &o, "session of %s closed, %zu more open", user, res.live);
			break;
		case SESSION_KEPT:
		case SESSION_NOTHING:
			debug(pamh, &o, "last session of %s closed; namespace kept (teardown)",
			      user);
			break;
		}
	}

	/* Back where the process was before open_session. */
	if (hostns_restore(&data->orig, &err) < 0)
		pam_syslog(pamh, LOG_ERR, "cannot return to the original network namespace: %s",
			   err.msg);

	pam_set_data(pamh, DATA_NAME, NULL, NULL);
	return r < 0 ? PAM_SESSION_ERR : PAM_SUCCESS;
}
