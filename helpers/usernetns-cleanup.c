/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * usernetns-cleanup: remove what usernetns made and nobody uses any more,
 * and nothing else: namespaces with no session and no process, names left
 * half-made, host ends of lost namespaces, records of vanished ones, and
 * the leases of users the policy no longer gives addresses.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <linux/capability.h>

#include "helper.h"
#include "usernetns/ensure.h"
#include "usernetns/inventory.h"
#include "usernetns/lease.h"
#include "usernetns/rtnl.h"
#include "usernetns/session.h"

static const int cleanup_caps[] = {
	CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_SYS_PTRACE, CAP_SETUID, CAP_SETGID, CAPS_END
};
static const int work_caps[] = {
	CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_SYS_PTRACE, CAPS_END
};

struct options {
	bool dry_run;
	bool force;
	bool all;
};

struct tally {
	unsigned int removed, kept, failed;
};

/*
 * Host ends to delete at the end, together: one RCU grace period for all
 * of them instead of one each (tens of milliseconds apiece).
 */
struct doomed {
	int *ifindex;
	uid_t *uid;
	char (*ifname)[IFNAMSIZ];
	size_t n, cap;
};

static void doom(struct doomed *d, int ifindex, uid_t uid, const char *ifname)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		int *v = reallocarray(d->ifindex, cap, sizeof(*v));
		uid_t *u = reallocarray(d->uid, cap, sizeof(*u));
		char (*nm)[IFNAMSIZ] = reallocarray(d->ifname, cap, sizeof(*nm));

		if (v)
			d->ifindex = v;
		if (u)
			d->uid = u;
		if (nm)
			d->ifname = nm;
		if (!v || !u || !nm) {
			helper_error("out of memory");
			exit(HELPER_EXIT_FAILED);
		}
		d->cap = cap;
	}
	d->ifindex[d->n] = ifindex;
	d->uid[d->n] = uid;
	snprintf(d->ifname[d->n], IFNAMSIZ, "%s", ifname);
	d->n++;
}

/* Delete the doomed host ends that still carry our mark for their uid. */
static int delete_doomed(struct doomed *d, struct tally *t)
{
	struct errbuf err = { "" };
	struct rtnl rtnl = RTNL_INIT;
	size_t keep = 0;
	int r;

	if (d->n == 0)
		return 0;
	r = rtnl_open(&rtnl, &err);
	for (size_t i = 0; r == 0 && i < d->n; i++) {
		struct rtnl_link l;
		uid_t owner;

		if (rtnl_link_get_index(&rtnl, d->ifindex[i], &l, &err) == 0 &&
		    state_host_link_owner(&l, &owner) && owner == d->uid[i] &&
		    streq(l.ifname, d->ifname[i]))
			d->ifindex[keep++] = d->ifindex[i];
	}
	if (r == 0)
		r = rtnl_links_delete(&rtnl, d->ifindex, keep, &err);
	rtnl_close(&rtnl);
	if (r < 0) {
		helper_error("cannot delete host interfaces: %s", err.msg);
		t->failed++;
	}
	free(d->ifindex);
	free(d->uid);
	free(d->ifname);
	return r;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s [--dry-run] [--force] [--all | USER...]\n"
		"\n"
		"Remove the network namespaces of USER (default: yourself), or with --all of\n"
		"everybody, that no session and no process uses; records, names and host\n"
		"interfaces left behind; and the address leases of users the policy no\n"
		"longer gives addresses.  Never anything usernetns did not make.\n"
		"\n"
		"  -n, --dry-run  say what would be done; change nothing\n"
		"  -f, --force    also remove namespaces with processes (named first)\n"
		"  -a, --all      everybody's (root and admin_group only)\n"
		"  -h, --help     show this help\n"
		"  -V, --version  show the version\n",
		helper_prog);
}

static const char *would(const struct options *o, const char *done,
			 const char *planned)
{
	return o->dry_run ? planned : done;
}

static void say_pids(const struct netns_id *id)
{
	pid_t pids[16];
	size_t n = 0;

	if (netns_list_pids(id, pids, 16, &n) < 0 || n == 0)
		return;
	printf("  processes inside:");
	for (size_t i = 0; i < n; i++)
		printf(" %ld", (long)pids[i]);
	printf("%s\n", n == 16 ? " ..." : "");
}

static void clean_entry(const struct options *o, const struct inventory_entry *e,
			struct doomed *doomed, struct tally *t)
{
	const struct state_record *rec = &e->rec;
	struct session_close_result res;
	struct errbuf err = { "" };
	const char *why;
	int r;

	switch (e->state) {
	case INVENTORY_ACTIVE:
	case INVENTORY_UNFINISHED:
		if ((e->sessions > 0 || e->processes > 0) && !o->force) {
			printf("kept %s of %s: %zu session%s, %zu process%s\n", rec->netns,
			       rec->user, e->sessions, e->sessions == 1 ? "" : "s",
			       e->processes, e->processes == 1 ? "" : "es");
			t->kept++;
			return;
		}
		if (e->sessions > 0 || e->processes > 0) {
			printf("%s %s of %s with %zu session%s and %zu process%s (--force)\n",
			       would(o, "removing", "would remove"), rec->netns, rec->user,
			       e->sessions, e->sessions == 1 ? "" : "s", e->processes,
			       e->processes == 1 ? "" : "es");
			say_pids(&e->found);
		}
		why = e->state == INVENTORY_ACTIVE ? "unused" : "half made by a login that died";
		break;
	case INVENTORY_MISSING:
		why = "its namespace is gone";
		break;
	case INVENTORY_PLACEHOLDER:
		why = "an empty placeholder under its name";
		break;
	case INVENTORY_FOREIGN:
		why = "its name now holds a namespace usernetns did not make (left alone)";
		break;
	default:
		why = "?";
	}
	if (o->dry_run) {
		printf("would remove %s of %s: %s\n", rec->netns, rec->user, why);
		t->removed++;
		return;
	}
	r = session_reap(&uns_paths_default, rec->uid,
			 ENSURE_REMOVE_KEEP_LINK | (o->force ? ENSURE_REMOVE_FORCE : 0),
			 STATE_LOCK_TIMEOUT_MS, &res, &err);
	if (r < 0) {
		helper_error("cannot remove '%s': %s", rec->netns, err.msg);
		t->failed++;
		return;
	}
	switch (res.outcome) {
	case SESSION_REMOVED:
		if (e->host_link)
			doom(doomed, e->host_ifindex, rec->uid, rec->host_ifname);
		printf("removed %s of %s: %s\n", rec->netns, rec->user, why);
		syslog(LOG_AUTHPRIV | LOG_NOTICE, "uid %lu removed %s of %s%s",
		       (unsigned long)helper_caller(), rec->netns, rec->user,
		       o->force ? " (--force)" : "");
		t->removed++;
		break;
	case SESSION_NOTHING:
		t->kept++;	/* removed by someone else meanwhile */
		break;
	case SESSION_OTHERS_REMAIN:
	case SESSION_BUSY:
	case SESSION_KEPT:
		/* A login came in since we looked. */
		printf("kept %s of %s: in use again\n", rec->netns, rec->user);
		t->kept++;
		break;
	}
}

static void clean_orphan_link(const struct options *o,
			      const struct inventory_orphan_link *l,
			      struct doomed *doomed, struct tally *t)
{
	struct errbuf err = { "" };
	int lockfd, r;

	if (o->dry_run) {
		printf("would remove host interface %s (of uid %lu, no record names it)\n",
		       l->ifname, (unsigned long)l->uid);
		t->removed++;
		return;
	}
	/* Under the user's lock, so that no login is making it right now. */
	r = state_lock(&uns_paths_default, l->uid, STATE_LOCK_TIMEOUT_MS, &lockfd, &err);
	if (r == 0) {
		struct state_record rec;

		if (state_read(&uns_paths_default, l->uid, &rec, &err) == 0 &&
		    streq(rec.host_ifname, l->ifname))
			r = -EBUSY;	/* named again since we looked */
		close(lockfd);
	}
	if (r == -EBUSY) {
		t->kept++;
		return;
	}
	if (r < 0) {
		helper_error("cannot remove host interface %s: %s", l->ifname, err.msg);
		t->failed++;
		return;
	}
	doom(doomed, l->ifindex, l->uid, l->ifname);
	printf("removed host interface %s (of uid %lu, no record named it)\n", l->ifname,
	       (unsigned long)l->uid);
	t->removed++;
}

/* ---- leases ---------------------------------------------------------------------- */

/* A reason names a user: room for the longest name. */
#define WHY_MAX (POLICY_NAME_MAX + 64)

struct lease_walk {
	const struct options *o;
	const struct policy *policy;
	const uid_t *only;
	size_t n_only;
	struct tally *t;
	struct lease_entry *release;
	size_t n_release, cap;
	char (*why)[WHY_MAX];
};

/* Why the lease should go, or NULL to keep it. */
static const char *lease_stale(const struct lease_walk *w, const struct lease_entry *e,
			       char *buf, size_t size)
{
	struct errbuf err = { "" };
	const struct plan_addr *a;
	struct state_record rec;
	struct plan plan;
	int r;

	/* In use by a namespace that is up, whatever the policy says now. */
	if (state_read(&uns_paths_default, e->uid, &rec, &err) == 0 &&
	    ((addr_prefix_is_set(&rec.peer4) && addr_prefix_contains(&e->block, &rec.peer4)) ||
	     (addr_prefix_is_set(&rec.peer6) && addr_prefix_contains(&e->block, &rec.peer6))))
		return NULL;

	r = plan_resolve_uid(w->policy, e->uid, &plan, &err);
	if (r == -ENOENT) {
		snprintf(buf, size, "uid %lu no longer exists", (unsigned long)e->uid);
		return buf;
	}
	if (r < 0)
		return NULL;	/* NSS trouble: never release on a guess */
	if (plan.verdict != PLAN_HANDLED || !policy_mode_has_link(plan.mode)) {
		snprintf(buf, size, "%s gets no addresses from the policy", plan.user);
		return buf;
	}
	a = e->pool.family == AF_INET ? &plan.v4 : &plan.v6;
	if (a->source != PLAN_ADDR_POOL || !addr_prefix_equal(&a->pool, &e->pool) ||
	    a->block_len != e->block_len) {
		snprintf(buf, size, "%s no longer draws from this pool", plan.user);
		return buf;
	}
	return NULL;
}

static int visit_lease(const struct lease_entry *e, void *data)
{
	struct lease_walk *w = data;
	char why[WHY_MAX];
	bool wanted = !w->only;

	for (size_t i = 0; i < w->n_only && !wanted; i++)
		wanted = w->only[i] == e->uid;
	if (!wanted || !lease_stale(w, e, why, sizeof(why)))
		return 0;
	/* Released after the walk, not while its directory is being read. */
	if (w->n_release == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 16;
		struct lease_entry *v = reallocarray(w->release, cap, sizeof(*v));
		char (*y)[WHY_MAX] = reallocarray(w->why, cap, sizeof(*y));

		if (v)
			w->release = v;
		if (y)
			w->why = y;
		if (!v || !y)
			return -ENOMEM;
		w->cap = cap;
	}
	w->release[w->n_release] = *e;
	snprintf(w->why[w->n_release], sizeof(w->why[0]), "%s", why);
	w->n_release++;
	return 0;
}

static void clean_leases(struct lease_walk *w)
{
	struct errbuf err = { "" };
	char b[ADDR_PREFIX_STRLEN];
	int r;

	r = lease_foreach(&uns_paths_default, visit_lease, w, &err);
	if (r < 0) {
		helper_error("cannot list leases: %s", err.msg[0] ? err.msg : strerror(-r));
		w->t->failed++;
	}
	for (size_t i = 0; i < w->n_release; i++) {
		const struct lease_entry *e = &w->release[i];
		int lockfd;

		addr_prefix_format(&e->block, b, sizeof(b));
		if (w->o->dry_run) {
			printf("would release lease %s of uid %lu: %s\n", b,
			       (unsigned long)e->uid, w->why[i]);
			w->t->removed++;
			continue;
		}
		r = state_lock(&uns_paths_default, e->uid, STATE_LOCK_TIMEOUT_MS, &lockfd, &err);
		if (r == 0) {
			r = lease_release(&uns_paths_default, &e->pool, e->block_len, e->uid, &err);
			close(lockfd);
		}
		if (r < 0) {
			helper_error("cannot release lease %s: %s", b, err.msg);
			w->t->failed++;
			continue;
		}
		printf("released lease %s of uid %lu: %s\n", b, (unsigned long)e->uid,
		       w->why[i]);
		syslog(LOG_AUTHPRIV | LOG_NOTICE, "uid %lu released lease %s of uid %lu",
		       (unsigned long)helper_caller(), b, (unsigned long)e->uid);
		w->t->removed++;
	}
	free(w->release);
	free(w->why);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	struct options o = { 0 };
	struct tally t = { 0 };
	struct inventory inv = { 0 };
	struct errbuf err = { "" };
	struct doomed doomed = { 0 };
	struct policy *policy;
	uid_t *only = NULL;
	size_t n_only = 0;
	int c, r;

	helper_prog = "usernetns-cleanup";
	while ((c = getopt_long(argc, argv, "nfahV", options, NULL)) != -1) {
		switch (c) {
		case 'n':
			o.dry_run = true;
			break;
		case 'f':
			o.force = true;
			break;
		case 'a':
			o.all = true;
			break;
		case 'h':
			usage(stdout);
			return HELPER_EXIT_OK;
		case 'V':
			helper_version();
			return HELPER_EXIT_OK;
		default:
			usage(stderr);
			return HELPER_EXIT_USAGE;
		}
	}
	if (o.all && optind < argc) {
		helper_error("--all and USER... do not go together");
		return HELPER_EXIT_USAGE;
	}

	c = helper_start(helper_prog, cleanup_caps);
	if (c)
		return c;
	openlog(helper_prog, LOG_PID, LOG_AUTHPRIV);
	policy = helper_load_policy(NULL, false, false, &c);
	if (!policy)
		return c;

	/*
	 * A namespace removed with processes inside lives on with them, out
	 * of sight: with --force a user could pile them up without bound.
	 */
	if (o.force && !helper_is_admin(policy)) {
		helper_error("--force is for root and members of admin_group; end the processes in your namespace first");
		policy_free(policy);
		return HELPER_EXIT_DENIED;
	}
	if (o.all) {
		if (!helper_is_admin(policy)) {
			helper_error("--all is for root and members of admin_group");
			policy_free(policy);
			return HELPER_EXIT_DENIED;
		}
	} else {
		n_only = optind < argc ? (size_t)(argc - optind) : 1;
		only = calloc(n_only, sizeof(*only));
		if (!only) {
			helper_error("out of memory");
			return HELPER_EXIT_FAILED;
		}
		for (size_t i = 0; i < n_only; i++) {
			const char *user = optind < argc ? argv[optind + (int)i] : NULL;

			r = helper_target_uid(user, &only[i]);
			if (r == 0)
				r = helper_may_manage(policy, only[i], user ? user : "yourself");
			if (r) {
				policy_free(policy);
				free(only);
				return r;
			}
		}
	}

	r = helper_work_begin(work_caps, &err);
	if (r == 0)
		r = inventory_collect(&uns_paths_default, only, n_only, &inv, &err);
	if (r < 0) {
		helper_error("%s", err.msg);
		t.failed++;
		goto out;
	}

	for (size_t i = 0; i < inv.n; i++)
		clean_entry(&o, &inv.v[i], &doomed, &t);
	for (size_t i = 0; i < inv.n_orphans; i++)
		clean_orphan_link(&o, &inv.orphans[i], &doomed, &t);
	delete_doomed(&doomed, &t);
	clean_leases(&(struct lease_walk){
		.o = &o,
		.policy = policy,
		.only = only,
		.n_only = n_only,
		.t = &t,
	});

	if (inv.hidden_processes > 0)
		printf("note: %zu processes could not be inspected\n", inv.hidden_processes);
	printf("%u %s, %u kept%s\n", t.removed, would(&o, "removed", "to remove"), t.kept,
	       t.failed ? ", some failures (see above)" : "");
out:
	helper_work_end();
	inventory_free(&inv);
	policy_free(policy);
	free(only);
	return t.failed ? HELPER_EXIT_FAILED : HELPER_EXIT_OK;
}
