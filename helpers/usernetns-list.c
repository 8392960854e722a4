/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * usernetns-list: the namespaces usernetns made, one row each.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>

#include "helper.h"
#include "usernetns/firewall.h"
#include "usernetns/inventory.h"

/* The records are root's (0600): only to read them. */
static const int read_caps[] = { CAP_DAC_READ_SEARCH, CAPS_END };
/* And to count other users' processes: optional. */
static const int all_caps[] = { CAP_DAC_READ_SEARCH, CAP_SYS_PTRACE, CAPS_END };
static const int ptrace_caps[] = { CAP_SYS_PTRACE, CAPS_END };
/* --stats: into each namespace, to ask its nf_tables (root's). */
static const int stats_caps[] = { CAP_SYS_ADMIN, CAP_NET_ADMIN, CAPS_END };

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: %s [--json] [--stats] [-u USER]\n"
		"\n"
		"List the network namespaces usernetns made: yours, or everybody's for\n"
		"root and members of admin_group.\n"
		"\n"
		"  -j, --json       print JSON instead of a table\n"
		"  -s, --stats      with what each namespace's filter refused (root)\n"
		"  -u, --user USER  only USER's\n"
		"  -h, --help       show this help\n"
		"  -V, --version    show the version\n",
		helper_prog);
}

/* The namespace end's addresses, "10.200.0.2/30 fd42:200::2/64". */
static void addresses(const struct state_record *rec, char *buf, size_t size)
{
	char a[ADDR_PREFIX_STRLEN], b[ADDR_PREFIX_STRLEN];

	if (addr_prefix_is_set(&rec->peer4) && addr_prefix_is_set(&rec->peer6))
		snprintf(buf, size, "%s %s", addr_prefix_format(&rec->peer4, a, sizeof(a)),
			 addr_prefix_format(&rec->peer6, b, sizeof(b)));
	else if (addr_prefix_is_set(&rec->peer4))
		snprintf(buf, size, "%s", addr_prefix_format(&rec->peer4, a, sizeof(a)));
	else if (addr_prefix_is_set(&rec->peer6))
		snprintf(buf, size, "%s", addr_prefix_format(&rec->peer6, a, sizeof(a)));
	else
		snprintf(buf, size, "-");
}

/* The host's side, now when we may ask the kernel, else as at login. */
struct host_side {
	bool live;
	struct firewall_status status;
	uint64_t policy_digest; /* of the table the policy makes now */
	char missing[IFNAMSIZ]; /* an uplink it names that is not there */
};

/* "-" for other modes than nat; "ok", or what is missing. */
static void host_side(const struct host_side *h, const struct state_record *rec, char *buf,
		      size_t size)
{
	char problem[128];

	if (rec->mode != POLICY_MODE_NAT)
		snprintf(buf, size, "-");
	else if (h->live) {
		/* Whichever section it is in: an uplink gone is said for each. */
		const struct firewall_need need = {
			.mode = rec->mode,
			.v4 = addr_prefix_is_set(&rec->peer4),
			.v6 = addr_prefix_is_set(&rec->peer6),
			.policy_digest = h->policy_digest,
			.uplink = h->missing,
		};

		snprintf(buf, size, "%s",
			 *firewall_status_problem(&h->status, &need, problem, sizeof(problem)) ?
				 problem :
				 "ok");
	} else if (rec->host_side[0])
		snprintf(buf, size, "%s (at login)", rec->host_side);
	else
		snprintf(buf, size, "?");
}

static void created(const struct state_record *rec, char *buf, size_t size)
{
	time_t t = (time_t)rec->created;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, size, "-");
}

/* A member's user name, or the uid when it has none (any more). */
static void member_name(uid_t uid, char *buf, size_t size)
{
	struct passwd pw;
	char *pwbuf = NULL;

	if (uid == (uid_t)-1)
		snprintf(buf, size, "?");
	else if (util_getpwuid(uid, &pw, &pwbuf) == 0)
		snprintf(buf, size, "%s", pw.pw_name);
	else
		snprintf(buf, size, "%lu", (unsigned long)uid);
	free(pwbuf);
}

/*
 * Every key is a literal, and new to its object: json-c neither copies
 * nor looks for it (half the cost of --json for 10,000 namespaces).
 */
static void json_put(json_object *o, const char *key, json_object *v)
{
	json_object_object_add_ex(o, key, v,
				  JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_KEY_IS_CONSTANT);
}

/* A group's namespace: who is in it, with how many sessions each. */
static json_object *members_json(const struct inventory_entry *e)
{
	json_object *arr = json_object_new_array();
	char name[POLICY_NAME_MAX];

	for (size_t k = 0; k < e->n_members; k++) {
		json_object *m = json_object_new_object();

		member_name(e->members[k].uid, name, sizeof(name));
		json_put(m, "user", json_object_new_string(name));
		json_put(m, "uid",
			 e->members[k].uid == (uid_t)-1 ? NULL :
							  json_object_new_int64(e->members[k].uid));
		json_put(m, "sessions", json_object_new_int64((int64_t)e->members[k].sessions));
		json_object_array_add(arr, m);
	}
	return arr;
}

/* {"packets": N, "bytes": N}, or null for a namespace without a filter. */
static json_object *refused_json(const struct inventory_entry *e)
{
	json_object *o;

	if (!e->refused_known)
		return NULL;
	o = json_object_new_object();
	json_put(o, "packets", json_object_new_int64((int64_t)e->refused_packets));
	json_put(o, "bytes", json_object_new_int64((int64_t)e->refused_bytes));
	return o;
}

static void print_json(const struct inventory *inv, const struct host_side *h, bool complete,
		       bool stats)
{
	/*
	 * One namespace per line, each printed and freed as it is made: a
	 * tree of thousands costs more to walk twice and free than to make.
	 */
	fputs("{\"namespaces\":[", stdout);
	for (size_t i = 0; i < inv->n; i++) {
		const struct inventory_entry *e = &inv->v[i];
		const struct state_record *rec = &e->rec;
		json_object *o = json_object_new_object(), *addrs = json_object_new_array();
		char buf[ADDR_PREFIX_STRLEN], when[32];
		const struct addr_prefix *peers[] = { &rec->peer4, &rec->peer6 };

		for (size_t k = 0; k < 2; k++)
			if (addr_prefix_is_set(peers[k]))
				json_object_array_add(addrs,
						      json_object_new_string(addr_prefix_format(
							      peers[k], buf, sizeof(buf))));
		created(rec, when, sizeof(when));
		json_put(o, "name", json_object_new_string(rec->netns));
		json_put(o, owner_is_group(rec->owner) ? "group" : "user",
			 json_object_new_string(rec->name));
		json_put(o, owner_is_group(rec->owner) ? "gid" : "uid",
			 json_object_new_int64(owner_id(rec->owner)));
		json_put(o, "mode", json_object_new_string(policy_mode_to_string(rec->mode)));
		json_put(o, "state", json_object_new_string(ours_netns_to_string(e->state)));
		json_put(o, "host_interface",
			 rec->host_ifname[0] ? json_object_new_string(rec->host_ifname) : NULL);
		json_put(o, "host_interface_present",
			 e->host_link_known ? json_object_new_boolean(e->host_link) : NULL);
		json_put(o, "addresses", addrs);
		json_put(o, "sessions", json_object_new_int64((int64_t)e->sessions));
		if (owner_is_group(rec->owner))
			json_put(o, "members", members_json(e));
		json_put(o, "processes", json_object_new_int64((int64_t)e->processes));
		json_put(o, "created", json_object_new_string(when));
		if (rec->mode == POLICY_MODE_NAT) {
			char side[160];

			host_side(h, rec, side, sizeof(side));
			json_put(o, "host_side", json_object_new_string(side));
		}
		if (stats)
			json_put(o, "refused", refused_json(e));
		json_put(o, "netns_inode", json_object_new_int64((int64_t)rec->id.ino));
		printf("%s\n%s", i ? "," : "",
		       json_object_to_json_string_ext(o, JSON_C_TO_STRING_SPACED |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
	/* Without CAP_SYS_PTRACE others' processes are not counted. */
	printf("\n],\n\"process_counts_complete\": %s}\n", complete ? "true" : "false");
}

/* A name (up to NAME_MAX) and some. */
#define CELL_MAX (NAME_MAX + 32)

struct column {
	const char *title;
	int width;
};

#define COLUMNS 12

/*
 * The table's text, every cell of every row one after the other, each
 * ended by its NUL: the widths are known only when all rows are, and
 * thousands of rows of fixed-size cells cost more to fault in than to
 * format.
 */
struct cells {
	char *text;
	size_t len, cap;
};

static bool cell_add(struct cells *c, const char *s, struct column *col)
{
	size_t n = strlen(s);

	if (c->len + n + 1 > c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 1u << 16;
		char *t;

		while (cap < c->len + n + 1)
			cap *= 2;
		t = realloc(c->text, cap);
		if (!t)
			return false;
		c->text = t;
		c->cap = cap;
	}
	memcpy(c->text + c->len, s, n + 1);
	c->len += n + 1;
	if ((int)n > col->width)
		col->width = (int)n;
	return true;
}

/* One row: its cells, the last one unpadded. */
static const char *print_row(const char *cell, const struct column *cols, size_t n_cols)
{
	static const char spaces[] =
		"                                                                ";

	for (size_t k = 0; k < n_cols; k++) {
		size_t n = strlen(cell);

		fwrite(cell, 1, n, stdout);
		if (k == n_cols - 1) {
			putchar('\n');
		} else {
			for (size_t pad = (size_t)cols[k].width - n + 2; pad > 0;) {
				size_t chunk = pad < sizeof(spaces) - 1 ? pad : sizeof(spaces) - 1;

				fwrite(spaces, 1, chunk, stdout);
				pad -= chunk;
			}
		}
		cell += n + 1;
	}
	return cell;
}

static void print_table(const struct inventory *inv, const struct host_side *h, bool complete,
			bool stats)
{
	struct column cols[COLUMNS] = {
		{ "NAME", 4 },	{ "USER", 4 },	  { "UID", 3 },	      { "MODE", 4 },
		{ "STATE", 5 }, { "HOST-IF", 7 }, { "ADDRESSES", 9 }, { "SESSIONS", 8 },
		{ "PROCS", 5 }, { "CREATED", 7 }, { "HOST-SIDE", 9 }, { "REFUSED", 7 },
	};
	/* The last column only with --stats. */
	size_t n_cols = stats ? COLUMNS : COLUMNS - 1;
	struct cells cells = { 0 };
	const char *cell;
	bool ok = true;

	for (size_t i = 0; i < inv->n && ok; i++) {
		const struct inventory_entry *e = &inv->v[i];
		const struct state_record *rec = &e->rec;
		char row[COLUMNS][CELL_MAX];

		snprintf(row[0], CELL_MAX, "%s", rec->netns);
		snprintf(row[1], CELL_MAX, "%s", rec->name);
		snprintf(row[2], CELL_MAX, "%s%lu", owner_is_group(rec->owner) ? "g" : "",
			 (unsigned long)owner_id(rec->owner));
		snprintf(row[3], CELL_MAX, "%s", policy_mode_to_string(rec->mode));
		snprintf(row[4], CELL_MAX, "%s", ours_netns_to_string(e->state));
		snprintf(row[5], CELL_MAX, "%s%s", rec->host_ifname[0] ? rec->host_ifname : "-",
			 rec->host_ifname[0] && e->host_link_known && !e->host_link ? "(gone)" :
										      "");
		addresses(rec, row[6], CELL_MAX);
		snprintf(row[7], CELL_MAX, "%zu", e->sessions);
		snprintf(row[8], CELL_MAX, "%zu%s", e->processes, complete ? "" : "+");
		created(rec, row[9], CELL_MAX);
		host_side(h, rec, row[10], CELL_MAX);
		if (e->refused_known)
			snprintf(row[11], CELL_MAX, "%llu", (unsigned long long)e->refused_packets);
		else
			snprintf(row[11], CELL_MAX, "-");
		for (size_t k = 0; k < n_cols && ok; k++)
			ok = cell_add(&cells, row[k], &cols[k]);
	}
	if (!ok) {
		free(cells.text);
		helper_error("out of memory");
		return;
	}
	for (size_t k = 0; k < n_cols; k++)
		printf("%-*s%s", k == n_cols - 1 ? 0 : cols[k].width, cols[k].title,
		       k == n_cols - 1 ? "\n" : "  ");
	cell = cells.text;
	for (size_t i = 0; i < inv->n; i++)
		cell = print_row(cell, cols, n_cols);
	free(cells.text);
	/* Who is in a group's namespace: one line each, under the table. */
	for (size_t i = 0; i < inv->n; i++) {
		const struct inventory_entry *e = &inv->v[i];
		char name[POLICY_NAME_MAX];

		if (!owner_is_group(e->rec.owner))
			continue;
		printf("%s (group %s):", e->rec.netns, e->rec.name);
		for (size_t k = 0; k < e->n_members; k++) {
			member_name(e->members[k].uid, name, sizeof(name));
			printf(" %s %zu", name, e->members[k].sessions);
		}
		printf("%s\n", e->n_members == 0 ? " no sessions" : "");
	}
	if (!complete)
		printf("(PROCS: only processes you may inspect; %zu others are not counted)\n",
		       inv->hidden_processes);
}

/*
 * What each namespace's filter refused: a question to its own nf_tables,
 * from inside it, which needs CAP_SYS_ADMIN and CAP_NET_ADMIN (root's; a
 * read of every namespace's counter is not for everybody's list).
 */
static int read_stats(struct inventory *inv, struct errbuf *err)
{
	struct errbuf why = { "" };
	int r;

	if (caps_raise(stats_caps, &why) < 0) {
		errbuf_set(err, "--stats needs CAP_SYS_ADMIN and CAP_NET_ADMIN: run it as root");
		return -EPERM;
	}
	for (size_t i = 0; i < inv->n; i++) {
		r = inventory_read_refused(&uns_paths_default, &inv->v[i], &why);
		if (r < 0) {
			caps_lower();
			errbuf_set(err, "%s: %s", inv->v[i].rec.netns, why.msg);
			return r;
		}
	}
	caps_lower();
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },	  { "stats", no_argument, NULL, 's' },
		{ "user", required_argument, NULL, 'u' }, { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },	  { 0 }
	};
	struct inventory inv = { 0 };
	struct host_side fw = { 0 };
	struct errbuf err = { "" };
	struct policy *policy;
	const char *user = NULL;
	bool json = false, stats = false, all, ptrace;
	uid_t target;
	owner_t owners[2];
	size_t n_owners = 0;
	struct plan plan;
	int c, r;

	helper_prog = "usernetns-list";
	while ((c = getopt_long(argc, argv, "jsu:hV", options, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 's':
			stats = true;
			break;
		case 'u':
			user = optarg;
			break;
		default:
			return helper_standard_option(c, usage, HELPER_EXIT_USAGE);
		}
	}
	if (optind != argc) {
		helper_error("unexpected argument '%s'", argv[optind]);
		return HELPER_EXIT_USAGE;
	}

	r = helper_start(helper_prog, read_caps);
	if (r)
		return r;
	ptrace = caps_raise(ptrace_caps, &err) == 0;
	caps_lower();

	policy = helper_load_policy(NULL, false, false, &r);
	if (!policy)
		return r;
	/* Everybody's for those who may act for anybody; else one's own. */
	all = !user && helper_is_admin(policy);
	if (!all) {
		r = user ? helper_target_uid(user, &target) : 0;
		if (!user)
			target = helper_caller();
		if (r == 0 && user)
			r = helper_may_manage(policy, target, user);
		if (r) {
			policy_free(policy);
			return r;
		}
		/* One's own, and the group's namespace the policy now puts one in. */
		owners[n_owners++] = owner_user(target);
		if (plan_resolve_uid(policy, NULL, target, &plan, NULL) == 0 &&
		    owner_is_group(plan.owner))
			owners[n_owners++] = plan.owner;
	}
	if (firewall_policy_digest(policy, &fw.policy_digest, NULL) < 0)
		fw.policy_digest = 0;
	firewall_missing_uplink(policy, fw.missing);
	policy_free(policy);

	r = caps_raise(ptrace ? all_caps : read_caps, &err);
	if (r < 0) {
		helper_error("%s", err.msg);
		return HELPER_EXIT_FAILED;
	}
	r = inventory_collect(&uns_paths_default, all ? NULL : owners, n_owners, 0, &inv, &err);
	/* Asking the kernel needs CAP_NET_ADMIN: root may, others see the login's. */
	fw.live = r == 0 && firewall_status(&fw.status, NULL) == 0;
	caps_lower();
	if (r == 0 && stats)
		r = read_stats(&inv, &err);
	caps_drop_all(NULL);
	if (r < 0) {
		helper_error("%s", err.msg);
		inventory_free(&inv);
		return HELPER_EXIT_FAILED;
	}
	if (json)
		print_json(&inv, &fw, inv.hidden_processes == 0, stats);
	else
		print_table(&inv, &fw, inv.hidden_processes == 0, stats);
	inventory_free(&inv);
	return HELPER_EXIT_OK;
}
