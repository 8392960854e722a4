/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "usernetns/report.h"

void report_host_side_expect(const struct policy *policy, struct report_host_side *ret)
{
	if (firewall_policy_digest(policy, &ret->policy_digest, NULL) < 0)
		ret->policy_digest = 0;
	firewall_missing_uplink(policy, ret->missing);
}

int report_read_refused(const struct uns_paths *paths, struct inventory *inv, struct errbuf *err)
{
	struct errbuf why = { "" };
	int r;

	for (size_t i = 0; i < inv->n; i++) {
		r = inventory_read_refused(paths, &inv->v[i], &why);
		if (r < 0) {
			errbuf_set(err, "%s: %s", inv->v[i].rec.netns, why.msg);
			return r;
		}
	}
	return 0;
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

/* "-" for other modes than nat; "ok", or what is missing. */
static void host_side(const struct report_host_side *h, const struct state_record *rec, char *buf,
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

bool report_host_side_ok(const struct report_host_side *h, const struct state_record *rec)
{
	char side[160];

	host_side(h, rec, side, sizeof(side));
	return streq(side, "ok") || streq(side, "ok (at login)");
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

/* What went through a host end, from the namespace's side. */
static json_object *traffic_json(const struct usage_counts *c)
{
	json_object *o = json_object_new_object();

	json_put(o, "sent_bytes", json_object_new_uint64(c->sent_bytes));
	json_put(o, "received_bytes", json_object_new_uint64(c->received_bytes));
	json_put(o, "sent_packets", json_object_new_uint64(c->sent_packets));
	json_put(o, "received_packets", json_object_new_uint64(c->received_packets));
	return o;
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

void report_json(const struct inventory *inv, const struct report_host_side *h, bool stats,
		 FILE *out)
{
	bool complete = inv->hidden_processes == 0;

	/*
	 * One namespace per line, each printed and freed as it is made: a
	 * tree of thousands costs more to walk twice and free than to make.
	 */
	fputs("{\"namespaces\":[", out);
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
		json_put(o, "traffic", e->host_link ? traffic_json(&e->traffic) : NULL);
		json_put(o, "netns_inode", json_object_new_int64((int64_t)rec->id.ino));
		fprintf(out, "%s\n%s", i ? "," : "",
			json_object_to_json_string_ext(o, JSON_C_TO_STRING_SPACED |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
	/* Without CAP_SYS_PTRACE others' processes are not counted. */
	fprintf(out, "\n],\n\"process_counts_complete\": %s}\n", complete ? "true" : "false");
}

/* A name (up to NAME_MAX) and some. */
#define CELL_MAX (NAME_MAX + 32)

struct column {
	const char *title;
	int width;
};

#define COLUMNS 14

/* Bytes for people: "812B", "5.0MiB". */
static void human_bytes(uint64_t n, char *buf, size_t size)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)n;
	size_t u = 0;

	if (n < 1024) {
		snprintf(buf, size, "%" PRIu64 "B", n);
		return;
	}
	for (v /= 1024; v >= 1024 && u + 1 < ELEMENTSOF(units); u++)
		v /= 1024;
	snprintf(buf, size, "%.1f%s", v, units[u]);
}

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
	char *t = util_grow(c->text, &c->cap, c->len + n + 1, 1, 1u << 16);

	if (!t)
		return false;
	c->text = t;
	memcpy(c->text + c->len, s, n + 1);
	c->len += n + 1;
	if ((int)n > col->width)
		col->width = (int)n;
	return true;
}

/* One row: its cells, the last one unpadded. */
static const char *print_row(const char *cell, const struct column *cols, size_t n_cols, FILE *out)
{
	static const char spaces[] =
		"                                                                ";

	for (size_t k = 0; k < n_cols; k++) {
		size_t n = strlen(cell);

		fwrite(cell, 1, n, out);
		if (k == n_cols - 1) {
			fputc('\n', out);
		} else {
			for (size_t pad = (size_t)cols[k].width - n + 2; pad > 0;) {
				size_t chunk = pad < sizeof(spaces) - 1 ? pad : sizeof(spaces) - 1;

				fwrite(spaces, 1, chunk, out);
				pad -= chunk;
			}
		}
		cell += n + 1;
	}
	return cell;
}

int report_table(const struct inventory *inv, const struct report_host_side *h, bool stats,
		 FILE *out, struct errbuf *err)
{
	bool complete = inv->hidden_processes == 0;

	struct column cols[COLUMNS] = {
		{ "NAME", 4 },	{ "USER", 4 },	   { "UID", 3 },       { "MODE", 4 },
		{ "STATE", 5 }, { "HOST-IF", 7 },  { "ADDRESSES", 9 }, { "SESSIONS", 8 },
		{ "PROCS", 5 }, { "CREATED", 7 },  { "HOST-SIDE", 9 }, { "REFUSED", 7 },
		{ "SENT", 4 },	{ "RECEIVED", 8 },
	};
	/* The last three columns only with --stats. */
	size_t n_cols = stats ? COLUMNS : COLUMNS - 3;
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
		if (e->host_link) {
			human_bytes(e->traffic.sent_bytes, row[12], CELL_MAX);
			human_bytes(e->traffic.received_bytes, row[13], CELL_MAX);
		} else {
			snprintf(row[12], CELL_MAX, "-");
			snprintf(row[13], CELL_MAX, "-");
		}
		for (size_t k = 0; k < n_cols && ok; k++)
			ok = cell_add(&cells, row[k], &cols[k]);
	}
	if (!ok) {
		free(cells.text);
		errbuf_set(err, "out of memory");
		return -ENOMEM;
	}
	for (size_t k = 0; k < n_cols; k++)
		fprintf(out, "%-*s%s", k == n_cols - 1 ? 0 : cols[k].width, cols[k].title,
			k == n_cols - 1 ? "\n" : "  ");
	cell = cells.text;
	for (size_t i = 0; i < inv->n; i++)
		cell = print_row(cell, cols, n_cols, out);
	free(cells.text);
	/* Who is in a group's namespace: one line each, under the table. */
	for (size_t i = 0; i < inv->n; i++) {
		const struct inventory_entry *e = &inv->v[i];
		char name[POLICY_NAME_MAX];

		if (!owner_is_group(e->rec.owner))
			continue;
		fprintf(out, "%s (group %s):", e->rec.netns, e->rec.name);
		for (size_t k = 0; k < e->n_members; k++) {
			member_name(e->members[k].uid, name, sizeof(name));
			fprintf(out, " %s %zu", name, e->members[k].sessions);
		}
		fprintf(out, "%s\n", e->n_members == 0 ? " no sessions" : "");
	}
	if (!complete)
		fprintf(out,
			"(PROCS: only processes you may inspect; %zu others are not counted)\n",
			inv->hidden_processes);
	return 0;
}

void report_owner_name(owner_t o, char *buf, size_t size)
{
	char *nssbuf = NULL;

	if (owner_is_group(o)) {
		struct group gr;

		if (util_getgrgid(owner_id(o), &gr, &nssbuf) == 0)
			snprintf(buf, size, "%s", gr.gr_name);
		else
			snprintf(buf, size, "%" PRIu32, owner_id(o));
	} else {
		member_name(owner_id(o), buf, size);
	}
	free(nssbuf);
}

int report_usage(const struct uns_paths *paths, const owner_t *owners, size_t n, const char *since,
		 bool json, FILE *out, struct errbuf *err)
{
	struct usage_owner_total *rows;
	int r = usage_totals(paths, owners, n, since, &rows, &n, err);

	if (r < 0)
		return r;
	if (json) {
		fprintf(out, "{\"since\": ");
		if (since)
			fprintf(out, "\"%s\"", since);
		else
			fprintf(out, "null");
		fprintf(out, ", \"usage\": [");
		for (size_t i = 0; i < n; i++) {
			json_object *o = json_object_new_object();
			char name[CELL_MAX];

			report_owner_name(rows[i].owner, name, sizeof(name));
			json_put(o, owner_is_group(rows[i].owner) ? "group" : "user",
				 json_object_new_string(name));
			json_put(o, owner_is_group(rows[i].owner) ? "gid" : "uid",
				 json_object_new_int64(owner_id(rows[i].owner)));
			json_put(o, "sent_bytes", json_object_new_uint64(rows[i].c.sent_bytes));
			json_put(o, "received_bytes",
				 json_object_new_uint64(rows[i].c.received_bytes));
			json_put(o, "sent_packets", json_object_new_uint64(rows[i].c.sent_packets));
			json_put(o, "received_packets",
				 json_object_new_uint64(rows[i].c.received_packets));
			json_put(o, "refused_packets",
				 json_object_new_uint64(rows[i].c.refused_packets));
			json_put(o, "first_day",
				 rows[i].first[0] ? json_object_new_string(rows[i].first) : NULL);
			json_put(o, "last_day",
				 rows[i].last[0] ? json_object_new_string(rows[i].last) : NULL);
			fprintf(out, "%s\n%s", i ? "," : "",
				json_object_to_json_string_ext(
					o,
					JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
			json_object_put(o);
		}
		fprintf(out, "\n]}\n");
	} else {
		fprintf(out, "%-16s %-6s %16s %16s %12s %12s %10s %-10s %-10s\n", "OWNER", "KIND",
			"SENT", "RECEIVED", "PKTS OUT", "PKTS IN", "REFUSED", "FROM", "TO");
		for (size_t i = 0; i < n; i++) {
			char name[CELL_MAX];

			report_owner_name(rows[i].owner, name, sizeof(name));
			fprintf(out,
				"%-16s %-6s %16" PRIu64 " %16" PRIu64 " %12" PRIu64 " %12" PRIu64
				" %10" PRIu64 " %-10s %-10s\n",
				name, owner_is_group(rows[i].owner) ? "group" : "user",
				rows[i].c.sent_bytes, rows[i].c.received_bytes,
				rows[i].c.sent_packets, rows[i].c.received_packets,
				rows[i].c.refused_packets, rows[i].first[0] ? rows[i].first : "-",
				rows[i].last[0] ? rows[i].last : "-");
		}
	}
	free(rows);
	return 0;
}
