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

/* What of a namespace's entry a family shows. */
enum entry_value {
	SENT_BYTES,
	RECEIVED_BYTES,
	SENT_PACKETS,
	RECEIVED_PACKETS,
	REFUSED,
	SESSIONS,
	HOST_SIDE_OK
};

/* The value of e for what; false when e has none (no host end, not counted, not nat). */
static bool entry_value(const struct inventory_entry *e, const struct report_host_side *h,
			enum entry_value what, uint64_t *ret)
{
	switch (what) {
	case SENT_BYTES:
		*ret = e->traffic.sent_bytes;
		return e->host_link;
	case RECEIVED_BYTES:
		*ret = e->traffic.received_bytes;
		return e->host_link;
	case SENT_PACKETS:
		*ret = e->traffic.sent_packets;
		return e->host_link;
	case RECEIVED_PACKETS:
		*ret = e->traffic.received_packets;
		return e->host_link;
	case REFUSED:
		*ret = e->refused_packets;
		return e->refused_known;
	case SESSIONS:
		*ret = e->sessions;
		return true;
	case HOST_SIDE_OK:
		*ret = report_host_side_ok(h, &e->rec);
		return e->rec.mode == POLICY_MODE_NAT;
	}
	return false;
}

static const struct {
	struct family f;
	enum entry_value value;
} per_namespace[] = {
	{ { "usernetns_sent_bytes", COUNTER, "bytes",
	    "What the namespace sent through its host end since it was made." },
	  SENT_BYTES },
	{ { "usernetns_received_bytes", COUNTER, "bytes",
	    "What the namespace received through its host end since it was made." },
	  RECEIVED_BYTES },
	{ { "usernetns_sent_packets", COUNTER, NULL, "Packets the namespace sent." },
	  SENT_PACKETS },
	{ { "usernetns_received_packets", COUNTER, NULL, "Packets the namespace received." },
	  RECEIVED_PACKETS },
	{ { "usernetns_refused_packets", COUNTER, NULL,
	    "Packets the namespace's filter refused (with --stats)." },
	  REFUSED },
	{ { "usernetns_sessions", GAUGE, NULL, "Open sessions in the namespace." }, SESSIONS },
	{ { "usernetns_host_side_ok", GAUGE, NULL,
	    "Mode nat: 1 when the host's side (its table, forwarding, uplink) is in place." },
	  HOST_SIDE_OK },
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
	struct usage_owner_total *totals;
	size_t n_owners;
	/* Everything read before anything is printed: a failure prints nothing. */
	int r = usage_totals(paths, only, n_only, NULL, &totals, &n_owners, err);

	if (r < 0)
		return r;
	for (size_t k = 0; k < ELEMENTSOF(per_namespace); k++) {
		family_header(&per_namespace[k].f, fmt, out);
		for (size_t i = 0; i < inv->n; i++) {
			const struct inventory_entry *e = &inv->v[i];
			uint64_t v;

			if (entry_value(e, h, per_namespace[k].value, &v))
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
			const struct usage_counts *c = &totals[i].c;
			const uint64_t v[] = { c->sent_bytes, c->received_bytes, c->sent_packets,
					       c->received_packets, c->refused_packets };
			char name[REPORT_OWNER_NAME_MAX];

			report_owner_name(totals[i].owner, name, sizeof(name));
			sample(&usage_families[k], NULL, name, owner_is_group(totals[i].owner),
			       NULL, NULL, v[k], out);
		}
	}
	if (fmt == REPORT_OPENMETRICS)
		fputs("# EOF\n", out);
	free(totals);
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
