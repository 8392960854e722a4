/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * usernetns-list --openmetrics and --prometheus: the inventory and the
 * usage files as metrics, in the OpenMetrics text format, or in
 * Prometheus' older text format, the one node_exporter's textfile
 * collector reads (it takes no OpenMetrics).  The same families in both;
 * a counter's family is named without "_total" in OpenMetrics and with
 * it in the older format, whose samples have it in both.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "usernetns/report.h"

enum family_type { COUNTER, GAUGE };

struct family {
	const char *name; /* without _total */
	enum family_type type;
	const char *unit; /* a suffix of name, or NULL */
	const char *help;
};

static void family_header(const struct family *f, enum report_metrics_format fmt, FILE *out)
{
	const char *total = f->type == COUNTER && fmt == REPORT_PROMETHEUS ? "_total" : "";

	fprintf(out, "# HELP %s%s %s\n", f->name, total, f->help);
	fprintf(out, "# TYPE %s%s %s\n", f->name, total, f->type == COUNTER ? "counter" : "gauge");
	if (f->unit && fmt == REPORT_OPENMETRICS)
		fprintf(out, "# UNIT %s %s\n", f->name, f->unit);
}

/* A label value, escaped as both formats want (backslash, quote, newline). */
static void label_value(const char *s, FILE *out)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(out, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
}

static void sample(const struct family *f, const char *netns, const char *owner, bool group,
		   const char *extra_label, const char *extra_value, uint64_t v, FILE *out)
{
	fprintf(out, "%s%s{", f->name, f->type == COUNTER ? "_total" : "");
	if (netns) {
		fputs("namespace=\"", out);
		label_value(netns, out);
		fputs("\",", out);
	}
	fputs("owner=\"", out);
	label_value(owner, out);
	fprintf(out, "\",kind=\"%s\"", group ? "group" : "user");
	if (extra_label)
		fprintf(out, ",%s=\"%s\"", extra_label, extra_value);
	fprintf(out, "} %" PRIu64 "\n", v);
}

/* What a namespace's entry gives for family i; false for none. */
typedef bool (*entry_value_fn)(const struct inventory_entry *e, const struct report_host_side *h,
			       uint64_t *ret);

static bool sent_bytes(const struct inventory_entry *e, const struct report_host_side *h,
		       uint64_t *ret)
{
	(void)h;
	*ret = e->traffic.sent_bytes;
	return e->host_link;
}

static bool received_bytes(const struct inventory_entry *e, const struct report_host_side *h,
			   uint64_t *ret)
{
	(void)h;
	*ret = e->traffic.received_bytes;
	return e->host_link;
}

static bool sent_packets(const struct inventory_entry *e, const struct report_host_side *h,
			 uint64_t *ret)
{
	(void)h;
	*ret = e->traffic.sent_packets;
	return e->host_link;
}

static bool received_packets(const struct inventory_entry *e, const struct report_host_side *h,
			     uint64_t *ret)
{
	(void)h;
	*ret = e->traffic.received_packets;
	return e->host_link;
}

static bool refused_packets(const struct inventory_entry *e, const struct report_host_side *h,
			    uint64_t *ret)
{
	(void)h;
	*ret = e->refused_packets;
	return e->refused_known;
}

static bool sessions(const struct inventory_entry *e, const struct report_host_side *h,
		     uint64_t *ret)
{
	(void)h;
	*ret = e->sessions;
	return true;
}

static bool host_side_ok(const struct inventory_entry *e, const struct report_host_side *h,
			 uint64_t *ret)
{
	*ret = report_host_side_ok(h, &e->rec);
	return e->rec.mode == POLICY_MODE_NAT;
}

static const struct {
	struct family f;
	entry_value_fn value;
} per_namespace[] = {
	{ { "usernetns_sent_bytes", COUNTER, "bytes",
	    "What the namespace sent through its host end since it was made." },
	  sent_bytes },
	{ { "usernetns_received_bytes", COUNTER, "bytes",
	    "What the namespace received through its host end since it was made." },
	  received_bytes },
	{ { "usernetns_sent_packets", COUNTER, NULL, "Packets the namespace sent." },
	  sent_packets },
	{ { "usernetns_received_packets", COUNTER, NULL, "Packets the namespace received." },
	  received_packets },
	{ { "usernetns_refused_packets", COUNTER, NULL,
	    "Packets the namespace's filter refused (with --stats)." },
	  refused_packets },
	{ { "usernetns_sessions", GAUGE, NULL, "Open sessions in the namespace." }, sessions },
	{ { "usernetns_host_side_ok", GAUGE, NULL,
	    "Mode nat: 1 when the host's side (its table, forwarding, uplink) is in place." },
	  host_side_ok },
};

static const struct family limit_family = {
	"usernetns_limit_bytes_per_second", GAUGE, "bytes_per_second",
	"The namespace's limit, in bytes a second, each way (direction out: what it sends)."
};

static const struct family usage_families[] = {
	{ "usernetns_usage_sent_bytes", COUNTER, "bytes",
	  "What the owner's namespaces sent, counted when each was removed (usernetns-list --usage)." },
	{ "usernetns_usage_received_bytes", COUNTER, "bytes",
	  "What the owner's namespaces received, counted when each was removed." },
	{ "usernetns_usage_sent_packets", COUNTER, NULL,
	  "Packets the owner's namespaces sent, counted when each was removed." },
	{ "usernetns_usage_received_packets", COUNTER, NULL,
	  "Packets the owner's namespaces received, counted when each was removed." },
	{ "usernetns_usage_refused_packets", COUNTER, NULL,
	  "Packets the filters of the owner's namespaces refused, counted when each was removed." },
};

int report_metrics(const struct uns_paths *paths, const struct inventory *inv,
		   const struct report_host_side *h, const owner_t *only, size_t n_only,
		   enum report_metrics_format fmt, FILE *out, struct errbuf *err)
{
	struct usage_counts *totals = NULL;
	owner_t *owners = NULL;
	size_t n_owners = 0;
	int r = 0;

	/* Everything read before anything is printed: a failure prints nothing. */
	if (only) {
		owners = calloc(n_only ? n_only : 1, sizeof(*owners));
		if (!owners)
			return errbuf_errno(err, -ENOMEM, "cannot read the usage");
		memcpy(owners, only, n_only * sizeof(*owners));
		n_owners = n_only;
	} else {
		r = usage_owners(paths, &owners, &n_owners, err);
	}
	if (r == 0 && n_owners) {
		totals = calloc(n_owners, sizeof(*totals));
		if (!totals)
			r = errbuf_errno(err, -ENOMEM, "cannot read the usage");
	}
	for (size_t i = 0; r == 0 && i < n_owners; i++) {
		char first[USAGE_DAY_STRLEN], last[USAGE_DAY_STRLEN];

		r = usage_total(paths, owners[i], NULL, &totals[i], first, last, err);
	}
	if (r < 0) {
		free(totals);
		free(owners);
		return r;
	}

	for (size_t k = 0; k < ELEMENTSOF(per_namespace); k++) {
		family_header(&per_namespace[k].f, fmt, out);
		for (size_t i = 0; i < inv->n; i++) {
			const struct inventory_entry *e = &inv->v[i];
			uint64_t v;

			if (per_namespace[k].value(e, h, &v))
				sample(&per_namespace[k].f, e->rec.netns, e->rec.name,
				       owner_is_group(e->rec.owner), NULL, NULL, v, out);
		}
	}
	family_header(&limit_family, fmt, out);
	for (size_t i = 0; i < inv->n; i++) {
		const struct state_record *rec = &inv->v[i].rec;

		if (rec->rate_out)
			sample(&limit_family, rec->netns, rec->name, owner_is_group(rec->owner),
			       "direction", "out", rec->rate_out / 8, out);
		if (rec->rate_in)
			sample(&limit_family, rec->netns, rec->name, owner_is_group(rec->owner),
			       "direction", "in", rec->rate_in / 8, out);
	}
	for (size_t k = 0; k < ELEMENTSOF(usage_families); k++) {
		family_header(&usage_families[k], fmt, out);
		for (size_t i = 0; i < n_owners; i++) {
			const uint64_t v[] = { totals[i].sent_bytes, totals[i].received_bytes,
					       totals[i].sent_packets, totals[i].received_packets,
					       totals[i].refused_packets };
			char name[REPORT_OWNER_NAME_MAX];

			report_owner_name(owners[i], name, sizeof(name));
			sample(&usage_families[k], NULL, name, owner_is_group(owners[i]), NULL,
			       NULL, v[k], out);
		}
	}
	if (fmt == REPORT_OPENMETRICS)
		fputs("# EOF\n", out);
	free(totals);
	free(owners);
	return 0;
}

int report_metrics_to_file(const struct uns_paths *paths, const struct inventory *inv,
			   const struct report_host_side *h, const owner_t *owners, size_t n,
			   enum report_metrics_format fmt, const char *path, struct errbuf *err)
{
	const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : path;
	char dir[PATH_MAX], *text = NULL;
	size_t len = 0;
	int dfd, r;
	FILE *out;

	if (!*name) {
		errbuf_set(err, "%s: not a file name", path);
		return -EINVAL;
	}
	/* The directory: what comes before the last slash ("/" for "/x", "." without one). */
	if (snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) + (slash == path) : 1,
		     slash ? path : ".") >= (int)sizeof(dir)) {
		errbuf_set(err, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	out = open_memstream(&text, &len);
	if (!out)
		return errbuf_errno(err, -errno, "cannot write %s", path);
	r = report_metrics(paths, inv, h, owners, n, fmt, out, err);
	if (fclose(out) != 0 && r == 0)
		r = errbuf_errno(err, -errno, "cannot write %s", path);
	if (r == 0) {
		dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0) {
			r = errbuf_errno(err, -errno, "cannot open %s", dir);
		} else {
			r = util_write_atomic(dfd, name, text, len, 0644, 0);
			if (r < 0)
				errbuf_errno(err, r, "cannot write %s", path);
			close(dfd);
		}
	}
	free(text);
	return r;
}
