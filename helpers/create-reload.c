/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * usernetns-create --reload: a changed policy applied to every live
 * namespace (lib/reload.c judges each), a line said for each.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <unistd.h>

#include "create-reload.h"
#include "usernetns/ensure.h"
#include "usernetns/reload.h"

/* One live namespace: 0 applied or left as the policy wants, else the helper's exit code. */
static int reload_one(const struct policy *policy, owner_t owner, const int *work_caps)
{
	struct state_record rec;
	struct ensure_result res;
	enum reload_verdict verdict;
	struct errbuf err = { "" };
	char why[160];
	struct plan plan;
	int r;

	r = state_read(&uns_paths_default, owner, &rec, &err);
	if (r == -ENOENT)
		return 0; /* gone meanwhile */
	if (r == 0)
		r = reload_plan(policy, &uns_paths_default, &rec, &plan, &verdict, why, sizeof(why),
				&err);
	if (r < 0) {
		helper_error("cannot reload the namespace of %s: %s", rec.name[0] ? rec.name : "?",
			     err.msg);
		return HELPER_EXIT_FAILED;
	}
	if (verdict != RELOAD_APPLY) {
		/* Said, not done: its sessions keep what they have. */
		printf("%s: namespace %s kept as it is: %s; it takes the policy once it has gone\n",
		       rec.name, rec.netns, why);
		syslog(LOG_AUTHPRIV | LOG_NOTICE, "reload: namespace %s of %s kept as it is: %s",
		       rec.netns, rec.name, why);
		return 0;
	}
	r = helper_work_begin(work_caps, &err);
	if (r == 0)
		r = ensure_netns(&uns_paths_default, &plan, STATE_LOCK_TIMEOUT_MS, &res, &err);
	helper_work_end();
	if (r < 0) {
		helper_error("cannot reload '%s': %s", rec.netns, err.msg);
		syslog(LOG_AUTHPRIV | LOG_WARNING, "reload: %s of %s failed: %s", rec.netns,
		       rec.name, err.msg);
		return HELPER_EXIT_FAILED;
	}
	close(res.netns_fd);
	printf("%s: namespace %s %s\n", rec.name, rec.netns,
	       res.changes ? "reloaded" : "already as the policy says");
	if (res.changes)
		syslog(LOG_AUTHPRIV | LOG_NOTICE, "reload: namespace %s of %s reloaded", rec.netns,
		       rec.name);
	return 0;
}

int create_reload(const struct policy *policy, const int *work_caps)
{
	struct errbuf err = { "" };
	owner_t *owners;
	size_t n;
	int status = 0;

	if (helper_caller() != 0) {
		helper_error("--reload is root's: it changes everybody's namespace");
		return HELPER_EXIT_DENIED;
	}
	if (state_list(&uns_paths_default, &owners, &n, &err) < 0) {
		helper_error("%s", err.msg);
		return HELPER_EXIT_FAILED;
	}
	for (size_t i = 0; i < n; i++) {
		int r = reload_one(policy, owners[i], work_caps);

		if (r && !status)
			status = r;
	}
	free(owners);
	return status;
}
