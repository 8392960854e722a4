/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What usernetns-list shows of an inventory (usernetns-list(1)): a
 * table, or JSON with a namespace per line.  Built apart from the core
 * (json-c): the module never links it.
 */
#ifndef USERNETNS_REPORT_H
#define USERNETNS_REPORT_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "usernetns/firewall.h"
#include "usernetns/inventory.h"
#include "usernetns/usage.h"

/* The host's side of mode nat: now, when the kernel could be asked, else as at login. */
struct report_host_side {
	bool live; /* status is what the kernel says now */
	struct firewall_status status;
	uint64_t policy_digest; /* of the table the policy makes now */
	char missing[IFNAMSIZ]; /* an uplink it names that is not there */
};

/* What the policy expects of the host's side: its table's digest, its uplinks. */
void report_host_side_expect(const struct policy *policy, struct report_host_side *ret);

/*
 * What each namespace's filter refused (inventory_read_refused(), with
 * its privileges raised): 0, or -errno naming the namespace.
 */
int report_read_refused(const struct uns_paths *paths, struct inventory *inv, struct errbuf *err);

/*
 * The table on out: a row per namespace (with stats, what its filter
 * refused), who is in each group's namespace, and a note when processes
 * were not counted.  0, or -ENOMEM before anything is printed.
 */
int report_table(const struct inventory *inv, const struct report_host_side *h, bool stats,
		 FILE *out, struct errbuf *err);

/* The same as JSON: {"namespaces": [...], "process_counts_complete": ...}. */
void report_json(const struct inventory *inv, const struct report_host_side *h, bool stats,
		 FILE *out);

/* Mode nat: is the host's side in place (as the table's HOST-SIDE says "ok")? */
bool report_host_side_ok(const struct report_host_side *h, const struct state_record *rec);

/* Enough for a name from NSS (POLICY_NAME_MAX) or an id. */
#define REPORT_OWNER_NAME_MAX 300

/* An owner's name as NSS knows it now, else its id. */
void report_owner_name(owner_t o, char *buf, size_t size);

enum report_metrics_format {
	REPORT_OPENMETRICS, /* OpenMetrics 1.0 text, ended by # EOF */
	REPORT_PROMETHEUS,  /* Prometheus' text format 0.0.4: node_exporter's textfile collector */
};

/*
 * The inventory (with what its filters refused, when read) and the usage
 * files of owners (NULL: everybody's; else the n given) as metrics, on
 * out (usernetns-list(1) lists them).  0, or -errno before anything is
 * printed.
 */
int report_metrics(const struct uns_paths *paths, const struct inventory *inv,
		   const struct report_host_side *h, const owner_t *owners, size_t n,
		   enum report_metrics_format fmt, FILE *out, struct errbuf *err);

/*
 * The same into the file at path, replaced whole: a temporary file beside
 * it (0644: a scraper's user reads it) renamed over it, so that nobody
 * reads half of them.  Nothing is left behind on failure.
 */
int report_metrics_to_file(const struct uns_paths *paths, const struct inventory *inv,
			   const struct report_host_side *h, const owner_t *owners, size_t n,
			   enum report_metrics_format fmt, const char *path, struct errbuf *err);

/*
 * The usage of owners (NULL: everybody's who has a usage file; else the
 * n given) from the day since on ("YYYY-MM-DD", NULL for all): a row
 * each as a table, or JSON {"usage": [...]}.  0, or -errno naming the
 * file, before anything is printed.
 */
int report_usage(const struct uns_paths *paths, const owner_t *owners, size_t n, const char *since,
		 bool json, FILE *out, struct errbuf *err);

#endif
