/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the parts of the policy share, and nothing outside them sees.
 * From the top; each calls only files below it (tests/tools/check-layers.sh
 * holds the whole of lib/ to that):
 *
 *   policy-load.c    entry points: load (file checks), parse, fallback
 *   policy-read.c    the strict line reader and the inih handler
 *   policy-check.c   the checks across keys: each section's, then the rest
 *   policy-clash.c   names two owners could get (templates, host names)
 *   policy-share.c   namespaces shared by a group (share, its templates)
 *   policy-ranges.c  address ranges: pool sizes, overlaps, translation, reach
 *   policy-nss.c     what the name service says (dry runs): NSS, SSSD
 *   policy.c         the rule model: defaults, labels, what a rule gives
 *   policy-keys.c    the key table, each key with its typed value
 *   policy-names.c   the rules for names and name templates
 *
 * A new key is a line in the table (policy-keys.c) and, if its values are
 * of a new kind, a case in policy_key_parse(); a check that looks at more
 * than one key goes in the check file of its concept, called from
 * policy_check().
 */
#ifndef USERNETNS_POLICY_INTERNAL_H
#define USERNETNS_POLICY_INTERNAL_H

#include <ini.h>
#include <stdbool.h>
#include <stddef.h>

#include "usernetns/policy.h"
#include "usernetns/util.h"

/* The longest line inih can hand to its handler in one piece. */
#define POLICY_LINE_MAX (INI_MAX_LINE - 1)

/* ---- names (policy-names.c) ---------------------------------------------- */

enum template_kind {
	TEMPLATE_NETNS,
	TEMPLATE_HOST_IFNAME,
	TEMPLATE_PEER_IFNAME,
	TEMPLATE_HOSTNAME,
};

/* Whose namespace a template names, which decides its escapes. */
enum template_owner {
	TEMPLATE_OF_USER,  /* [global]'s: %u user name, %U uid */
	TEMPLATE_OF_GROUP, /* a section's with share = group: %g group name, %G gid */
};

/*
 * 0, or -EINVAL with err saying why: an interface name as the kernel
 * takes it (narrowed to what needs no quoting); a user or group name as
 * shadow-utils and SSSD make them; a name template that gives a valid
 * name of its owner's own for every owner, with none of the other
 * owner's escapes.
 */
int policy_check_ifname(const char *name, struct errbuf *err);
int policy_check_account_name(const char *name, struct errbuf *err);
int policy_check_template(const char *value, enum template_kind kind, enum template_owner owner,
			  struct errbuf *err);

/*
 * The names a valid template can give, as text the checks can compare:
 * %% as '%', %g as group when given, TEMPLATE_DIGITS for %U and %G, and
 * TEMPLATE_ANY for a name whose value is not known here (%u, and %g
 * without group).  -ENAMETOOLONG when it does not fit size.  Its fixed
 * start, the text before the first escape, is what every name it gives
 * begins with; its fixed end, the text after the last, what every name
 * ends with.  A pattern without escapes is one name.
 */
#define TEMPLATE_ANY '\1'    /* one byte or more; no name has a control character */
#define TEMPLATE_DIGITS '\2' /* one digit or more */
int policy_template_pattern(const char *tmpl, enum template_owner owner, const char *group,
			    char *buf, size_t size);
size_t policy_pattern_fixed_start(const char *pattern);
size_t policy_pattern_fixed_end(const char *pattern);
bool policy_pattern_fixed(const char *pattern);

/*
 * Can patterns x and y give one name, ignoring case as the host's
 * resolver does?  A pattern without escapes is matched against the other
 * exactly.  Two with escapes are judged by their fixed starts and ends:
 * every name of a pattern is its fixed start, what its escapes give (one
 * byte or more each; digits for %U and %G), then its fixed end.  So two
 * patterns whose fixed starts, or whose fixed ends, differ where both
 * have text, or where one has text that the other's escape cannot give
 * (a letter against a digit), never meet.  It may say yes for a pair
 * that never meets, never no for a pair that could.
 */
bool policy_patterns_may_meet(const char *x, const char *y);

/*
 * Is every name y gives one that x gives too?  Judged when x has one
 * escape (as %u.netns): y's names begin with x's fixed start, end with
 * its fixed end, and what lies between is the escape's to give.  It may
 * say no for a pair where it holds, never yes where it does not.
 */
bool policy_pattern_covers(const char *x, const char *y);

/* A byte as names are compared: ASCII letters in lower case, whatever the locale. */
static inline char policy_fold_char(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Do a and b begin with the same n bytes, as names are compared? */
static inline bool policy_fold_equal(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (policy_fold_char(a[i]) != policy_fold_char(b[i]))
			return false;
	return true;
}

/* ---- keys (policy-keys.c) ------------------------------------------------ */

/* Where a key may appear. */
enum {
	IN_GLOBAL = 1u << 0,
	IN_DEFAULT = 1u << 1,
	IN_GROUP = 1u << 2,
	IN_USER = 1u << 3,
	IN_RULES = IN_DEFAULT | IN_GROUP | IN_USER,
};

/* What a key's value is. */
enum key_type {
	KEY_ENUM,	 /* one of names[0..n_names) */
	KEY_UINT,	 /* a decimal number in [min, max] */
	KEY_POOL,	 /* a network of family, or "none" */
	KEY_ADDRESS,	 /* an address/length of family: a namespace end */
	KEY_TEMPLATE,	 /* a name template of kind template */
	KEY_IFNAME,	 /* an interface name */
	KEY_ACCOUNT,	 /* a user or group name */
	KEY_BOOL,	 /* yes or no */
	KEY_UPLINK,	 /* an interface name, or auto */
	KEY_EGRESS_LIST, /* networks, protocols, ports; comma-separated; repeatable; none: empty */
	KEY_DNS,	 /* inherit, host-end, or IPv4 addresses, comma-separated */
	KEY_RATE,	 /* bits per second: 20mbit (bit, kbit, mbit, gbit), or none */
	KEY_SIZE,	 /* bytes: 64kb (b, kb, mb: 1024 each), in [min, max] */
};

struct key_def {
	const char *name;
	enum policy_key key;
	unsigned int where;
	enum key_type type;
	/*
	 * Where the value goes: global_offset into policy_global in
	 * [global], rule_offset into policy_rule in the other sections.  A
	 * key that may stand in both (netns_name) has both.
	 */
	size_t global_offset, rule_offset;
	size_t size; /* of the value, the same in both */
	/* Why the key may stand only where it may, for messages; or NULL. */
	const char *why;
	/* What the type needs to know. */
	const char *const *names;
	size_t n_names;
	unsigned long min, max;
	int family;
	enum template_kind template;
};

extern const struct key_def policy_keys[];
extern const size_t policy_n_keys;

const struct key_def *policy_key_find(const char *name);

/* May the key stand on several lines of one section (adding up)? */
static inline bool policy_key_repeats(const struct key_def *k)
{
	return k->type == KEY_EGRESS_LIST;
}
const char *policy_key_name(enum policy_key key);

/*
 * Parse value into base: the policy_global when where is IN_GLOBAL, else
 * the policy_rule of a section of that kind; 0 or -EINVAL.  A list key
 * (KEY_EGRESS_LIST) adds to what an earlier line of the same section gave
 * it.
 */
int policy_key_parse(const struct key_def *k, const char *value, unsigned int where, void *base,
		     struct errbuf *err);

/* Give r every value it did not set itself from [default]. */
void policy_rule_inherit(struct policy_rule *r, const struct policy_rule *d);

/* ---- the rule model (policy.c) ------------------------------------------- */

/* The built-in defaults, before the file says anything. */
void policy_global_init(struct policy_global *g);
void policy_rule_init(struct policy_rule *r, enum policy_rule_kind kind);

/* "[default]", "[group:netusers]", "[user:alice]" */
const char *policy_rule_label(const struct policy_rule *r, char *buf, size_t size);

/* Was key k's value in r taken (not rejected), if it was given at all? */
static inline bool policy_rule_key_ok(const struct policy_rule *r, enum policy_key k)
{
	return !(r->bad_keys & (1u << k));
}

/* Does the rule set key k itself, or (for [default]) at all? */
static inline bool policy_rule_sets(const struct policy_rule *r, enum policy_key k)
{
	return r->key_line[k] != 0;
}

/* The line to blame for key k of rule r: its own, else [default]'s, else its header. */
static inline unsigned int policy_blame_line(const struct policy *p, const struct policy_rule *r,
					     enum policy_key k)
{
	if (r->key_line[k])
		return r->key_line[k];
	if (p->defaults.key_line[k])
		return p->defaults.key_line[k];
	return r->line;
}

/* ---- reading (policy-read.c) ------------------------------------------------- */

enum section_state {
	SECTION_NONE, /* before the first header */
	SECTION_GLOBAL,
	SECTION_RULE,
	SECTION_SKIP, /* a rejected header: its keys are ignored */
};

struct parse_ctx {
	const char *file;
	const char *buf;
	size_t len, pos;
	unsigned int lineno;

	struct policy *p;
	struct diag *diag;
	size_t rules_cap;
	bool too_many_sections;

	enum section_state state;
	/*
	 * SECTION_RULE: the section being read.  It may point into p->rules,
	 * which moves when a later section is added; by then it is replaced.
	 */
	struct policy_rule *rule;
	char section[POLICY_NAME_MAX + 8]; /* its header, for messages */
};

/* Read c->buf into c->p, every problem into c->diag. */
void policy_read(struct parse_ctx *c);

/* ---- checks (policy-check.c and the files it calls) ------------------------- */

/*
 * Everything that needs more than one key: sections, modes, pools,
 * shared namespaces, names.  Not the ranges' collection and reach, nor
 * the name service: policy_parse() calls those after it.
 */
void policy_check(const struct policy *p, const char *file, struct diag *d);

/* ---- names two owners could get (policy-clash.c) ---------------------------- */

/*
 * No two namespaces (k: POLICY_KEY_NETNS_NAME), and no two host ends
 * (POLICY_KEY_HOST_IFNAME), may get one name from [global]'s templates
 * and shared sections' own.
 */
void policy_check_name_clashes(const struct policy *p, enum policy_key k, const char *file,
			       struct diag *d);

/* [global]'s hostname against the namespace names every template gives. */
void policy_check_host_names(const struct policy *p, const char *file, struct diag *d);

/* ---- namespaces shared by a group (policy-share.c) -------------------------- */

/* share and the keys that go with it, in section r. */
void policy_check_share(const struct policy_rule *r, const char *file, struct diag *d);

/* [global]'s peer_ifname, which names every member's end of a shared namespace. */
void policy_check_peer_ifname(const struct policy *p, const char *file, struct diag *d);

/* The first section with share = group (a valid one), or NULL. */
const struct policy_rule *policy_first_shared(const struct policy *p);

/*
 * Does shared section r name its namespace (k: netns_name) or host end
 * (host_ifname) with a template worth comparing with others?  Not when
 * an error was said about it already.
 */
bool policy_shared_key_ok(const struct policy_rule *r, enum policy_key k);

/* ---- address ranges (policy-ranges.c) ----------------------------------------- */

/* r's pools against the blocks they are split into (prefix4, prefix6). */
void policy_check_pool_sizes(const struct policy *p, const struct policy_rule *r, const char *file,
			     struct diag *d);

/* Pools and fixed blocks against each other and against the reserved ranges. */
void policy_check_overlaps(const struct policy *p, const char *file, struct diag *d);

/*
 * Fill p->ranges with every range users' addresses come from, and check
 * that a pool is translated for all its users or for none.
 */
void policy_collect_ranges(struct policy *p, const char *file, struct diag *d);

/* What a section names as reachable (its dns) is, by its own egress lists. */
void policy_check_reach(const struct policy *p, const char *file, struct diag *d);

/* ---- the name service (policy-nss.c) --------------------------------------- */

/*
 * Sections naming nobody (NSS lookups: only when asked): a user's is a
 * warning, a group's an error (logins that reach it are refused); and
 * SSSD's settings that hide members (policy_check_sssd()).
 */
void policy_check_names(const struct policy *p, const char *file, struct diag *d);

#endif
