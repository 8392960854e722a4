/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * usernetns.conf: read with Debian's libinih as shipped, validated here.
 *
 * inih splits "key = value" lines and strips comments, but on its own it
 * forgives too much for a security policy: it joins indented lines to the
 * previous value, splits over-long lines in two (and so loses the line
 * numbers), ignores text after a section header, cuts long section names,
 * stops counting errors after the first and cannot tell us the line of a
 * key.  So inih reads through policy_reader(), which hands it one physical
 * line at a time, counts lines itself, checks each one, and replaces by an
 * empty line every line it rejects, every comment and every section header
 * (which it handles itself).  inih's part is to split "key = value" and
 * strip inline comments from the lines that passed.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <ini.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "usernetns/policy.h"
#include "usernetns/util.h"

/* The longest line inih can hand to its handler in one piece. */
#define POLICY_LINE_MAX (INI_MAX_LINE - 1)

enum section_state {
	SECTION_NONE,		/* before the first header */
	SECTION_GLOBAL,
	SECTION_RULE,
	SECTION_SKIP,		/* a rejected header: its keys are ignored */
};

struct parse_ctx {
	const char *file;
	const char *buf;
	size_t len, pos;
	unsigned int lineno;
	unsigned int flags;

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

/* Where a key may appear. */
enum {
	IN_GLOBAL = 1u << 0,
	IN_DEFAULT = 1u << 1,
	IN_GROUP = 1u << 2,
	IN_USER = 1u << 3,
	IN_RULES = IN_DEFAULT | IN_GROUP | IN_USER,
};

struct key_def {
	const char *name;
	enum policy_key key;
	unsigned int where;
	/* 0, or -EINVAL with a reason in why */
	int (*parse)(const char *value, void *dst, char *why, size_t size);
	size_t offset;		/* of the value in policy_global/policy_rule */
	size_t size;		/* of the value */
};

static const char *const mode_names[] = {
	[POLICY_MODE_NONE] = "none",
	[POLICY_MODE_ISOLATED] = "isolated",
	[POLICY_MODE_VETH] = "veth",
	[POLICY_MODE_BRIDGE] = "bridge",
	[POLICY_MODE_NAT] = "nat",
};

static const char *const on_error_names[] = {
	[POLICY_ON_ERROR_FAIL] = "fail",
	[POLICY_ON_ERROR_IGNORE] = "ignore",
};

static const char *const teardown_names[] = {
	[POLICY_TEARDOWN_LAST_LOGOUT] = "last-logout",
	[POLICY_TEARDOWN_NEVER] = "never",
};

const char *policy_mode_to_string(enum policy_mode mode)
{
	return (size_t)mode < ELEMENTSOF(mode_names) ? mode_names[mode] : "?";
}

const char *policy_on_error_to_string(enum policy_on_error e)
{
	return (size_t)e < ELEMENTSOF(on_error_names) ? on_error_names[e] : "?";
}

const char *policy_teardown_to_string(enum policy_teardown t)
{
	return (size_t)t < ELEMENTSOF(teardown_names) ? teardown_names[t] : "?";
}

bool policy_mode_has_link(enum policy_mode mode)
{
	return mode == POLICY_MODE_VETH || mode == POLICY_MODE_BRIDGE ||
	       mode == POLICY_MODE_NAT;
}

/* ---- value parsers ---------------------------------------------------- */

static int parse_enum(const char *value, const char *const *names, size_t n,
		      int *ret, char *why, size_t size)
{
	size_t used = 0;

	for (size_t i = 0; i < n; i++)
		if (streq(value, names[i])) {
			*ret = (int)i;
			return 0;
		}
	used = (size_t)snprintf(why, size, "expected ");
	for (size_t i = 0; i < n && used < size; i++)
		used += (size_t)snprintf(why + used, size - used, "%s%s",
					 i == 0 ? "" : i + 1 == n ? " or " : ", ",
					 names[i]);
	return -EINVAL;
}

static int parse_mode(const char *value, void *dst, char *why, size_t size)
{
	int v, r;

	r = parse_enum(value, mode_names, ELEMENTSOF(mode_names), &v, why, size);
	if (r == 0)
		*(enum policy_mode *)dst = (enum policy_mode)v;
	return r;
}

static int parse_on_error(const char *value, void *dst, char *why, size_t size)
{
	int v, r;

	r = parse_enum(value, on_error_names, ELEMENTSOF(on_error_names), &v,
		       why, size);
	if (r == 0)
		*(enum policy_on_error *)dst = (enum policy_on_error)v;
	return r;
}

static int parse_teardown(const char *value, void *dst, char *why, size_t size)
{
	int v, r;

	r = parse_enum(value, teardown_names, ELEMENTSOF(teardown_names), &v,
		       why, size);
	if (r == 0)
		*(enum policy_teardown *)dst = (enum policy_teardown)v;
	return r;
}

static int parse_uint_range(const char *value, unsigned long min,
			    unsigned long max, unsigned long *ret, char *why,
			    size_t size)
{
	unsigned long v;

	if (util_parse_ulong(value, &v) < 0) {
		snprintf(why, size, "not a decimal number");
		return -EINVAL;
	}
	if (v < min || v > max) {
		snprintf(why, size, "out of range (%lu-%lu)", min, max);
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

static int parse_min_uid(const char *value, void *dst, char *why, size_t size)
{
	unsigned long v;
	int r;

	r = parse_uint_range(value, 0, POLICY_UID_MAX, &v, why, size);
	if (r == 0)
		*(uid_t *)dst = (uid_t)v;
	return r;
}

static int parse_prefix4(const char *value, void *dst, char *why, size_t size)
{
	unsigned long v;
	int r;

	/* A block must hold a host end and a namespace end. */
	r = parse_uint_range(value, 1, 31, &v, why, size);
	if (r == 0)
		*(unsigned int *)dst = (unsigned int)v;
	return r;
}

static int parse_prefix6(const char *value, void *dst, char *why, size_t size)
{
	unsigned long v;
	int r;

	r = parse_uint_range(value, 1, 127, &v, why, size);
	if (r == 0)
		*(unsigned int *)dst = (unsigned int)v;
	return r;
}

static int parse_mtu(const char *value, void *dst, char *why, size_t size)
{
	unsigned long v;
	int r;

	/* 68 is the IPv4 minimum (RFC 791), 65535 the veth maximum. */
	r = parse_uint_range(value, 68, 65535, &v, why, size);
	if (r == 0)
		*(unsigned int *)dst = (unsigned int)v;
	return r;
}

static int parse_prefix(const char *value, int family, bool host_bits,
			void *dst, char *why, size_t size)
{
	const char *reason;
	int r;

	r = addr_prefix_parse(value, family, host_bits, dst, &reason);
	if (r < 0)
		snprintf(why, size, "%s", reason);
	return r;
}

/* "none" undoes a pool a section would otherwise take from [default]. */
static int parse_pool(const char *value, int family, void *dst, char *why,
		      size_t size)
{
	if (streq(value, "none")) {
		*(struct addr_prefix *)dst = (struct addr_prefix){ 0 };
		return 0;
	}
	return parse_prefix(value, family, false, dst, why, size);
}

static int parse_pool4(const char *value, void *dst, char *why, size_t size)
{
	return parse_pool(value, AF_INET, dst, why, size);
}

static int parse_pool6(const char *value, void *dst, char *why, size_t size)
{
	return parse_pool(value, AF_INET6, dst, why, size);
}

static int parse_address(const char *value, int family, void *dst, char *why,
			 size_t size)
{
	const char *reason;
	int r;

	r = parse_prefix(value, family, true, dst, why, size);
	if (r < 0)
		return r;
	r = addr_check_peer(dst, &reason);
	if (r < 0) {
		struct addr_prefix host, peer, block;
		char hbuf[ADDR_PREFIX_STRLEN], pbuf[ADDR_PREFIX_STRLEN];

		block = addr_prefix_network(dst);
		if (addr_block_ends(&block, &host, &peer) == 0)
			snprintf(why, size,
				 "%s (the host end takes %s; the namespace end could be %s)",
				 reason, addr_prefix_format(&host, hbuf, sizeof(hbuf)),
				 addr_prefix_format(&peer, pbuf, sizeof(pbuf)));
		else
			snprintf(why, size, "%s", reason);
	}
	return r;
}

static int parse_address4(const char *value, void *dst, char *why, size_t size)
{
	return parse_address(value, AF_INET, dst, why, size);
}

static int parse_address6(const char *value, void *dst, char *why, size_t size)
{
	return parse_address(value, AF_INET6, dst, why, size);
}

/*
 * Interface names as the kernel's dev_valid_name() takes them, narrowed
 * to characters that need no quoting in ip(8) commands and logs.
 */
static bool ifname_char_ok(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '_' || c == '-' ||
	       c == '+';
}

static int check_ifname(const char *name, char *why, size_t size)
{
	size_t n = strlen(name);

	if (n == 0 || n >= IFNAMSIZ) {
		snprintf(why, size, "an interface name has 1 to %d bytes",
			 IFNAMSIZ - 1);
		return -EINVAL;
	}
	if (streq(name, ".") || streq(name, "..")) {
		snprintf(why, size, "not a valid interface name");
		return -EINVAL;
	}
	for (const char *s = name; *s; s++)
		if (!ifname_char_ok(*s)) {
			snprintf(why, size,
				 "character '%c' is not allowed in an interface name",
				 *s);
			return -EINVAL;
		}
	return 0;
}

static int parse_bridge(const char *value, void *dst, char *why, size_t size)
{
	int r = check_ifname(value, why, size);

	if (r == 0)
		snprintf(dst, IFNAMSIZ, "%s", value);
	return r;
}

/* Names of users and groups as shadow-utils and SSSD produce them. */
static int check_account_name(const char *name, char *why, size_t size)
{
	size_t n = strlen(name);

	if (n == 0) {
		snprintf(why, size, "empty name");
		return -EINVAL;
	}
	if (n >= POLICY_NAME_MAX) {
		snprintf(why, size, "name longer than %u bytes", POLICY_NAME_MAX - 1);
		return -EINVAL;
	}
	if (isspace((unsigned char)name[0]) || isspace((unsigned char)name[n - 1])) {
		snprintf(why, size, "name begins or ends with white space");
		return -EINVAL;
	}
	for (const char *s = name; *s; s++)
		if (*s == ':' || *s == ',' || iscntrl((unsigned char)*s)) {
			snprintf(why, size, "character '%c' is not allowed in a name",
				 *s);
			return -EINVAL;
		}
	return 0;
}

static int parse_admin_group(const char *value, void *dst, char *why,
			     size_t size)
{
	int r = check_account_name(value, why, size);

	if (r == 0)
		snprintf(dst, POLICY_NAME_MAX, "%s", value);
	return r;
}

/* ---- templates -------------------------------------------------------- */

enum template_kind {
	TEMPLATE_NETNS,
	TEMPLATE_HOST_IFNAME,
	TEMPLATE_PEER_IFNAME,
};

/* Decimal digits of POLICY_UID_MAX. */
#define UID_DIGITS_MAX 10

static bool netns_char_ok(char c)
{
	return ifname_char_ok(c) || c == '@';
}

/*
 * A template must produce a valid and, for namespaces and host ends, a
 * per-user name for every user: the namespace name under iproute2's rules
 * (no '/', not "." or "..", at most NAME_MAX bytes), an interface name in
 * IFNAMSIZ - 1 bytes even for the widest uid.  User names have no length
 * bound we could check here, so interface names may not contain them.
 */
static int check_template(const char *value, enum template_kind kind,
			  char *why, size_t size)
{
	size_t widest = 0;
	bool has_user = false, has_uid = false;

	if (strlen(value) >= POLICY_TEMPLATE_MAX) {
		snprintf(why, size, "longer than %u bytes", POLICY_TEMPLATE_MAX - 1);
		return -EINVAL;
	}
	for (const char *s = value; *s; s++) {
		if (*s != '%') {
			bool ok = kind == TEMPLATE_NETNS ? netns_char_ok(*s) :
							   ifname_char_ok(*s);
			if (!ok) {
				snprintf(why, size,
					 "character '%c' is not allowed in %s", *s,
					 kind == TEMPLATE_NETNS ? "a namespace name" :
								  "an interface name");
				return -EINVAL;
			}
			widest++;
			continue;
		}
		switch (*++s) {
		case 'u':
			if (kind != TEMPLATE_NETNS) {
				snprintf(why, size,
					 "%%u cannot be used in an interface name (a user name may not fit in %d bytes); use %%U",
					 IFNAMSIZ - 1);
				return -EINVAL;
			}
			has_user = true;
			widest++;	/* the rest is checked per user */
			break;
		case 'U':
			has_uid = true;
			widest += UID_DIGITS_MAX;
			break;
		case '%':
			widest++;
			break;
		case '\0':
			snprintf(why, size, "ends in a lone '%%'");
			return -EINVAL;
		default:
			snprintf(why, size,
				 "unknown escape '%%%c' (known: %%u user name, %%U uid, %%%% a percent sign)",
				 *s);
			return -EINVAL;
		}
	}

	switch (kind) {
	case TEMPLATE_NETNS:
		if (!has_user && !has_uid) {
			snprintf(why, size,
				 "must contain %%u or %%U, or every user would share one namespace");
			return -EINVAL;
		}
		if (widest > NAME_MAX) {
			snprintf(why, size, "expands to more than %d bytes", NAME_MAX);
			return -EINVAL;
		}
		break;
	case TEMPLATE_HOST_IFNAME:
		if (!has_uid) {
			snprintf(why, size,
				 "must contain %%U, or every user's host end would have one name");
			return -EINVAL;
		}
		__attribute__((fallthrough));
	case TEMPLATE_PEER_IFNAME:
		if (widest >= IFNAMSIZ) {
			snprintf(why, size,
				 "expands to %zu bytes for uid %" PRIu32 "; an interface name has at most %d",
				 widest, POLICY_UID_MAX, IFNAMSIZ - 1);
			return -EINVAL;
		}
		if (widest == 0) {
			snprintf(why, size, "empty name");
			return -EINVAL;
		}
		if (kind == TEMPLATE_PEER_IFNAME && !has_uid &&
		    (streq(value, "lo") || streq(value, ".") || streq(value, ".."))) {
			snprintf(why, size, "'%s' is not usable as the namespace end",
				 value);
			return -EINVAL;
		}
		break;
	}
	return 0;
}

static int parse_template(const char *value, void *dst, enum template_kind k,
			  char *why, size_t size)
{
	int r = check_template(value, k, why, size);

	if (r == 0)
		snprintf(dst, POLICY_TEMPLATE_MAX, "%s", value);
	return r;
}

static int parse_netns_name(const char *value, void *dst, char *why, size_t size)
{
	return parse_template(value, dst, TEMPLATE_NETNS, why, size);
}

static int parse_host_ifname(const char *value, void *dst, char *why,
			     size_t size)
{
	return parse_template(value, dst, TEMPLATE_HOST_IFNAME, why, size);
}

static int parse_peer_ifname(const char *value, void *dst, char *why,
			     size_t size)
{
	return parse_template(value, dst, TEMPLATE_PEER_IFNAME, why, size);
}

int policy_template_expand(const char *tmpl, const char *user, uint32_t uid,
			   char *buf, size_t size)
{
	size_t n = 0;

	if (size == 0)
		return -ENAMETOOLONG;
	for (const char *s = tmpl; *s; s++) {
		char num[UID_DIGITS_MAX + 1];
		const char *piece;
		size_t len;

		if (*s != '%') {
			piece = s;
			len = 1;
		} else {
			switch (*++s) {
			case 'u':
				piece = user;
				break;
			case 'U':
				snprintf(num, sizeof(num), "%" PRIu32, uid);
				piece = num;
				break;
			case '%':
				piece = "%";
				break;
			default:
				return -EINVAL;
			}
			len = strlen(piece);
		}
		if (n + len >= size)
			return -ENAMETOOLONG;
		memcpy(buf + n, piece, len);
		n += len;
	}
	buf[n] = '\0';
	return 0;
}

/* ---- the key table ---------------------------------------------------- */

#define G(f) offsetof(struct policy_global, f), sizeof(((struct policy_global *)0)->f)
#define R(f) offsetof(struct policy_rule, f), sizeof(((struct policy_rule *)0)->f)

/* Sorted by name: keys are found with bsearch(). */
static const struct key_def key_defs[] = {
	{ "address4", POLICY_KEY_ADDRESS4, IN_USER, parse_address4, R(address4) },
	{ "address6", POLICY_KEY_ADDRESS6, IN_USER, parse_address6, R(address6) },
	{ "admin_group", POLICY_KEY_ADMIN_GROUP, IN_GLOBAL, parse_admin_group, G(admin_group) },
	{ "bridge", POLICY_KEY_BRIDGE, IN_RULES, parse_bridge, R(bridge) },
	{ "host_ifname", POLICY_KEY_HOST_IFNAME, IN_GLOBAL, parse_host_ifname, G(host_ifname) },
	{ "min_uid", POLICY_KEY_MIN_UID, IN_GLOBAL, parse_min_uid, G(min_uid) },
	{ "mode", POLICY_KEY_MODE, IN_RULES, parse_mode, R(mode) },
	{ "mtu", POLICY_KEY_MTU, IN_RULES, parse_mtu, R(mtu) },
	{ "netns_name", POLICY_KEY_NETNS_NAME, IN_GLOBAL, parse_netns_name, G(netns_name) },
	{ "on_error", POLICY_KEY_ON_ERROR, IN_GLOBAL, parse_on_error, G(on_error) },
	{ "peer_ifname", POLICY_KEY_PEER_IFNAME, IN_GLOBAL, parse_peer_ifname, G(peer_ifname) },
	{ "pool4", POLICY_KEY_POOL4, IN_RULES, parse_pool4, R(pool4) },
	{ "pool6", POLICY_KEY_POOL6, IN_RULES, parse_pool6, R(pool6) },
	{ "prefix4", POLICY_KEY_PREFIX4, IN_RULES, parse_prefix4, R(prefix4) },
	{ "prefix6", POLICY_KEY_PREFIX6, IN_RULES, parse_prefix6, R(prefix6) },
	{ "teardown", POLICY_KEY_TEARDOWN, IN_GLOBAL, parse_teardown, G(teardown) },
};

#undef G
#undef R

static int key_def_compare(const void *key, const void *elem)
{
	return strcmp(key, ((const struct key_def *)elem)->name);
}

static const struct key_def *key_def_find(const char *name)
{
	return bsearch(name, key_defs, ELEMENTSOF(key_defs), sizeof(key_defs[0]),
		       key_def_compare);
}

static const struct key_def *key_def_by_key(enum policy_key key)
{
	for (size_t i = 0; i < ELEMENTSOF(key_defs); i++)
		if (key_defs[i].key == key)
			return &key_defs[i];
	return NULL;
}

static const char *key_name(enum policy_key key)
{
	const struct key_def *k = key_def_by_key(key);

	return k ? k->name : "?";
}

/* ---- defaults --------------------------------------------------------- */

static void global_init(struct policy_global *g)
{
	*g = (struct policy_global){
		.min_uid = 1000,
		.on_error = POLICY_ON_ERROR_FAIL,
		.teardown = POLICY_TEARDOWN_LAST_LOGOUT,
	};
	snprintf(g->netns_name, sizeof(g->netns_name), "user-%%u");
	snprintf(g->host_ifname, sizeof(g->host_ifname), "vu%%U");
	snprintf(g->peer_ifname, sizeof(g->peer_ifname), "eth0");
}

static void rule_init(struct policy_rule *r, enum policy_rule_kind kind)
{
	*r = (struct policy_rule){
		.kind = kind,
		.mode = POLICY_MODE_NONE,
		.prefix4 = 30,
		.prefix6 = 64,
		.mtu = 1500,
	};
}

/* Give r every value it did not set itself from [default]. */
static void rule_inherit(struct policy_rule *r, const struct policy_rule *d)
{
	const struct key_def *k;

	for (size_t i = 0; i < ELEMENTSOF(key_defs); i++) {
		k = &key_defs[i];
		if (!(k->where & IN_DEFAULT) || r->key_line[k->key])
			continue;
		memcpy((char *)r + k->offset, (const char *)d + k->offset, k->size);
		if (d->bad_keys & (1u << k->key))
			r->bad_keys |= 1u << k->key;
	}
}

/* ---- the reader: one physical line at a time -------------------------- */

static const char *section_label(const struct parse_ctx *c)
{
	return c->section;
}

static void begin_section(struct parse_ctx *c, const char *name)
{
	struct policy *p = c->p;
	enum policy_rule_kind kind;
	const char *who;
	char why[160];

	c->state = SECTION_SKIP;
	c->rule = NULL;
	snprintf(c->section, sizeof(c->section), "[%s]", name);

	if (streq(name, "global")) {
		if (p->global.line) {
			diag_error(c->diag, c->file, c->lineno,
				   "duplicate section [global] (first at line %u)",
				   p->global.line);
			return;
		}
		p->global.line = c->lineno;
		c->state = SECTION_GLOBAL;
		return;
	}
	if (streq(name, "default")) {
		if (p->defaults.line) {
			diag_error(c->diag, c->file, c->lineno,
				   "duplicate section [default] (first at line %u)",
				   p->defaults.line);
			return;
		}
		p->defaults.line = c->lineno;
		c->rule = &p->defaults;
		c->state = SECTION_RULE;
		return;
	}

	if (strncmp(name, "group:", 6) == 0) {
		kind = POLICY_RULE_GROUP;
		who = name + 6;
	} else if (strncmp(name, "user:", 5) == 0) {
		kind = POLICY_RULE_USER;
		who = name + 5;
	} else {
		diag_error(c->diag, c->file, c->lineno,
			   "unknown section [%s]; expected [global], [default], [group:NAME] or [user:NAME]",
			   name);
		return;
	}
	if (check_account_name(who, why, sizeof(why)) < 0) {
		diag_error(c->diag, c->file, c->lineno, "[%s]: %s", name, why);
		return;
	}

	if (p->n_rules >= POLICY_SECTIONS_MAX) {
		if (!c->too_many_sections)
			diag_error(c->diag, c->file, c->lineno,
				   "too many sections (the limit is %u)",
				   POLICY_SECTIONS_MAX);
		c->too_many_sections = true;
		return;
	}
	if (p->n_rules == c->rules_cap) {
		size_t cap = c->rules_cap ? c->rules_cap * 2 : 16;
		struct policy_rule *v;

		v = reallocarray(p->rules, cap, sizeof(*v));
		if (!v) {
			diag_error(c->diag, c->file, c->lineno, "out of memory");
			return;
		}
		p->rules = v;
		c->rules_cap = cap;
	}
	c->rule = &p->rules[p->n_rules];
	rule_init(c->rule, kind);
	c->rule->name = strdup(who);
	if (!c->rule->name) {
		diag_error(c->diag, c->file, c->lineno, "out of memory");
		c->rule = NULL;
		return;
	}
	c->rule->line = c->lineno;
	p->n_rules++;
	c->state = SECTION_RULE;
}

/*
 * Where inih's find_chars_or_comment() would stop: at one of chars, or at
 * an inline ';' comment (a ';' after white space).
 */
static const char *find_separator(const char *s, const char *end,
				  const char *chars)
{
	bool was_space = false;

	for (; s < end; s++) {
		if (strchr(chars, *s) || (was_space && *s == ';'))
			return s;
		was_space = isspace((unsigned char)*s);
	}
	return end;
}

/*
 * Check a header line "[NAME]" and start its section.  inih never sees
 * header lines: it would read some names differently (it ends a header
 * at " ;" and cuts names at 49 bytes), and the reader keeps the section.
 */
static void read_header(struct parse_ctx *c, const char *s, const char *end)
{
	const char *close = memchr(s, ']', (size_t)(end - s));
	char name[POLICY_LINE_MAX + 1];
	const char *t;

	c->state = SECTION_SKIP;
	if (!close) {
		diag_error(c->diag, c->file, c->lineno,
			   "section header without a closing ']'");
		return;
	}
	for (t = close + 1; t < end && isspace((unsigned char)*t); t++)
		;
	if (t < end && *t != ';' && *t != '#') {
		diag_error(c->diag, c->file, c->lineno,
			   "unexpected text after the section header");
		return;
	}
	memcpy(name, s + 1, (size_t)(close - s - 1));
	name[close - s - 1] = '\0';
	begin_section(c, name);
}

/*
 * Classify and check one line.  Returns true when inih should see it,
 * false when it is blank, a comment, or rejected.
 */
static bool check_line(struct parse_ctx *c, const char *line, size_t n)
{
	const char *s = line, *end = line + n, *sep;
	bool indented;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)line[i];

		if (ch == '\0') {
			diag_error(c->diag, c->file, c->lineno,
				   "line contains a NUL byte");
			return false;
		}
		if (ch == '\r') {
			diag_error(c->diag, c->file, c->lineno,
				   "line contains a carriage return (old Mac line ends?)");
			return false;
		}
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
			diag_error(c->diag, c->file, c->lineno,
				   "line contains control character 0x%02x", ch);
			return false;
		}
	}
	if (n > POLICY_LINE_MAX) {
		diag_error(c->diag, c->file, c->lineno,
			   "line is too long (%zu characters; the limit is %d)", n,
			   POLICY_LINE_MAX);
		return false;
	}

	while (s < end && isspace((unsigned char)*s))
		s++;
	if (s == end || *s == ';' || *s == '#')
		return false;
	indented = s != line;
	if (indented) {
		/* inih would append it to the previous key's value. */
		diag_error(c->diag, c->file, c->lineno,
			   "indented line: inih would join it to the previous value; remove the leading white space");
		return false;
	}
	if (*s == '[') {
		read_header(c, s, end);
		return false;
	}
	sep = find_separator(s, end, "=:");
	if (sep == end || *sep == ';') {
		diag_error(c->diag, c->file, c->lineno, "expected 'key = value'");
		return false;
	}
	if (sep == s) {
		diag_error(c->diag, c->file, c->lineno, "missing key before '%c'",
			   *sep);
		return false;
	}
	return true;
}

static char *policy_reader(char *str, int num, void *stream)
{
	struct parse_ctx *c = stream;
	const char *line, *nl;
	size_t n;

	if (c->pos >= c->len || num < 2)
		return NULL;
	line = c->buf + c->pos;
	nl = memchr(line, '\n', c->len - c->pos);
	n = nl ? (size_t)(nl - line) : c->len - c->pos;
	c->pos += n + (nl ? 1 : 0);
	c->lineno++;

	if (c->lineno == 1 && n >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
		line += 3;	/* UTF-8 byte order mark */
		n -= 3;
	}
	if (n > 0 && line[n - 1] == '\r')
		n--;		/* CRLF line end */

	str[0] = '\0';
	if (check_line(c, line, n)) {
		if (n > (size_t)num - 1) {
			/* inih was built with a shorter line than its header says. */
			diag_error(c->diag, c->file, c->lineno,
				   "line is too long (%zu characters; the limit is %d)",
				   n, num - 1);
			return str;
		}
		memcpy(str, line, n);
		str[n] = '\0';
	}
	return str;
}

/* ---- the handler: one key = value ------------------------------------- */

static void unknown_key(struct parse_ctx *c, const char *name)
{
	const struct key_def *k = NULL;

	for (size_t i = 0; i < ELEMENTSOF(key_defs); i++)
		if (strcasecmp(name, key_defs[i].name) == 0)
			k = &key_defs[i];
	if (k && !streq(k->name, name))
		diag_error(c->diag, c->file, c->lineno,
			   "unknown key '%s' in %s (keys are lower case: did you mean '%s'?)",
			   name, section_label(c), k->name);
	else
		diag_error(c->diag, c->file, c->lineno, "unknown key '%s' in %s",
			   name, section_label(c));
}

static unsigned int section_where(const struct parse_ctx *c)
{
	if (c->state == SECTION_GLOBAL)
		return IN_GLOBAL;
	switch (c->rule->kind) {
	case POLICY_RULE_DEFAULT:
		return IN_DEFAULT;
	case POLICY_RULE_GROUP:
		return IN_GROUP;
	case POLICY_RULE_USER:
		return IN_USER;
	}
	return 0;
}

static int policy_handler(void *user, const char *section, const char *name,
			  const char *value)
{
	struct parse_ctx *c = user;
	const struct key_def *k;
	unsigned int *key_line;
	char why[256];
	void *base;

	(void)section;	/* always "": the reader keeps the headers from inih */

	/* Nonzero tells inih the line was fine: errors are ours to count. */
	switch (c->state) {
	case SECTION_NONE:
		diag_error(c->diag, c->file, c->lineno,
			   "key '%s' before any section header", name);
		return 1;
	case SECTION_SKIP:
		return 1;
	case SECTION_GLOBAL:
	case SECTION_RULE:
		break;
	}

	k = key_def_find(name);
	if (!k) {
		unknown_key(c, name);
		return 1;
	}
	if (!(k->where & section_where(c))) {
		if (k->where == IN_GLOBAL)
			diag_error(c->diag, c->file, c->lineno,
				   "'%s' belongs in [global], not %s", name,
				   section_label(c));
		else if (k->where == IN_USER)
			diag_error(c->diag, c->file, c->lineno,
				   "'%s' belongs in a [user:NAME] section, not %s (a fixed address is for one user)",
				   name, section_label(c));
		else
			diag_error(c->diag, c->file, c->lineno,
				   "'%s' belongs in [default], [group:NAME] or [user:NAME], not [global]",
				   name);
		return 1;
	}

	if (c->state == SECTION_GLOBAL) {
		base = &c->p->global;
		key_line = c->p->global.key_line;
	} else {
		base = c->rule;
		key_line = c->rule->key_line;
	}
	if (key_line[k->key]) {
		diag_error(c->diag, c->file, c->lineno,
			   "duplicate key '%s' in %s (first at line %u)", name,
			   section_label(c), key_line[k->key]);
		return 1;
	}
	key_line[k->key] = c->lineno;

	if (*value == '\0') {
		diag_error(c->diag, c->file, c->lineno, "'%s' has no value", name);
		if (c->state == SECTION_RULE)
			c->rule->bad_keys |= 1u << k->key;
		return 1;
	}
	if (k->parse(value, (char *)base + k->offset, why, sizeof(why)) < 0) {
		diag_error(c->diag, c->file, c->lineno, "%s = %s: %s", name, value,
			   why);
		if (c->state == SECTION_RULE)
			c->rule->bad_keys |= 1u << k->key;
	}
	return 1;
}

/* ---- checks across keys and sections ---------------------------------- */

static bool rule_key_ok(const struct policy_rule *r, enum policy_key k)
{
	return !(r->bad_keys & (1u << k));
}

/* The line to blame for key k of rule r: its own, else [default]'s. */
static unsigned int blame_line(const struct policy *p,
			       const struct policy_rule *r, enum policy_key k)
{
	if (r->key_line[k])
		return r->key_line[k];
	if (p->defaults.key_line[k])
		return p->defaults.key_line[k];
	return r->line;
}

static const char *rule_label(const struct policy_rule *r, char *buf,
			      size_t size)
{
	switch (r->kind) {
	case POLICY_RULE_DEFAULT:
		snprintf(buf, size, "[default]");
		break;
	case POLICY_RULE_GROUP:
		snprintf(buf, size, "[group:%s]", r->name);
		break;
	case POLICY_RULE_USER:
		snprintf(buf, size, "[user:%s]", r->name);
		break;
	}
	return buf;
}

/* Does the rule set key k itself, or (for [default]) at all? */
static bool rule_sets(const struct policy_rule *r, enum policy_key k)
{
	return r->key_line[k] != 0;
}

static void check_pool_size(const struct policy *p, const struct policy_rule *r,
			    enum policy_key pool_key, enum policy_key prefix_key,
			    const struct addr_prefix *pool, unsigned int prefix,
			    const char *file, struct diag *d)
{
	char buf[ADDR_PREFIX_STRLEN];

	if (!addr_prefix_is_set(pool) || !rule_key_ok(r, pool_key) ||
	    !rule_key_ok(r, prefix_key))
		return;
	if (!rule_sets(r, pool_key) && !rule_sets(r, prefix_key))
		return;	/* [default]'s own pair, checked there */
	if (pool->len > prefix)
		diag_error(d, file,
			   rule_sets(r, prefix_key) ? r->key_line[prefix_key] :
						      blame_line(p, r, pool_key),
			   "%s %s is too small for /%u blocks (%s = %u)",
			   key_name(pool_key), addr_prefix_format(pool, buf, sizeof(buf)),
			   prefix, key_name(prefix_key), prefix);
}

static void check_rule(const struct policy *p, const struct policy_rule *r,
		       const char *file, struct diag *d)
{
	char label[POLICY_NAME_MAX + 16];
	bool v4, v6;

	check_pool_size(p, r, POLICY_KEY_POOL4, POLICY_KEY_PREFIX4, &r->pool4,
			r->prefix4, file, d);
	check_pool_size(p, r, POLICY_KEY_POOL6, POLICY_KEY_PREFIX6, &r->pool6,
			r->prefix6, file, d);

	v4 = addr_prefix_is_set(&r->pool4) || addr_prefix_is_set(&r->address4);
	v6 = addr_prefix_is_set(&r->pool6) || addr_prefix_is_set(&r->address6);

	/*
	 * IPv6 refuses to run on a link with an MTU below 1280 (RFC 8200).
	 * Blame the section that brings the two together, once.
	 */
	if (v6 && r->mtu < 1280 && rule_key_ok(r, POLICY_KEY_MTU) &&
	    (r->kind == POLICY_RULE_DEFAULT || rule_sets(r, POLICY_KEY_MTU) ||
	     rule_sets(r, POLICY_KEY_POOL6) || rule_sets(r, POLICY_KEY_ADDRESS6)))
		diag_error(d, file, blame_line(p, r, POLICY_KEY_MTU),
			   "%s: mtu %u is below 1280, the minimum for IPv6",
			   rule_label(r, label, sizeof(label)), r->mtu);

	if (!rule_key_ok(r, POLICY_KEY_MODE))
		return;
	/* [default]'s mode only matters to the users it applies to. */
	if (r->kind != POLICY_RULE_DEFAULT && !rule_sets(r, POLICY_KEY_MODE) &&
	    !rule_sets(r, POLICY_KEY_POOL4) && !rule_sets(r, POLICY_KEY_POOL6) &&
	    !rule_sets(r, POLICY_KEY_ADDRESS4) && !rule_sets(r, POLICY_KEY_ADDRESS6) &&
	    !rule_sets(r, POLICY_KEY_BRIDGE))
		return;

	switch (r->mode) {
	case POLICY_MODE_NONE:
	case POLICY_MODE_ISOLATED:
		/* [default] may hold pools for the sections that inherit them. */
		if (r->kind == POLICY_RULE_DEFAULT)
			return;
		{
			static const enum policy_key linked_keys[] = {
				POLICY_KEY_POOL4, POLICY_KEY_POOL6, POLICY_KEY_ADDRESS4,
				POLICY_KEY_ADDRESS6, POLICY_KEY_BRIDGE,
			};
			const struct addr_prefix *v[] = {
				&r->pool4, &r->pool6, &r->address4, &r->address6, NULL,
			};

			for (size_t i = 0; i < ELEMENTSOF(linked_keys); i++) {
				enum policy_key k = linked_keys[i];

				/* "pool4 = none" is no address: nothing to say. */
				if (!rule_sets(r, k) || !rule_key_ok(r, k) ||
				    (v[i] && !addr_prefix_is_set(v[i])))
					continue;
				diag_warning(d, file, r->key_line[k],
					     "%s: %s has no effect in mode %s",
					     rule_label(r, label, sizeof(label)),
					     key_name(k), policy_mode_to_string(r->mode));
			}
		}
		return;
	case POLICY_MODE_NAT:
		diag_error(d, file, blame_line(p, r, POLICY_KEY_MODE),
			   "mode nat is not supported by this version; use mode veth and set up NAT on the host (see usernetns.conf(5))");
		return;
	case POLICY_MODE_BRIDGE:
		if (!r->bridge[0] && rule_key_ok(r, POLICY_KEY_BRIDGE))
			diag_error(d, file, blame_line(p, r, POLICY_KEY_MODE),
				   "%s: mode bridge needs 'bridge = NAME' (here or in [default])",
				   rule_label(r, label, sizeof(label)));
		break;
	case POLICY_MODE_VETH:
		break;
	}

	if (r->mode == POLICY_MODE_VETH && !v4 && !v6 &&
	    !(r->bad_keys & ((1u << POLICY_KEY_POOL4) | (1u << POLICY_KEY_POOL6) |
			     (1u << POLICY_KEY_ADDRESS4) | (1u << POLICY_KEY_ADDRESS6))))
		diag_error(d, file, blame_line(p, r, POLICY_KEY_MODE),
			   "%s: mode veth needs addresses: set pool4 or address4 (or pool6 or address6) here or in [default]",
			   rule_label(r, label, sizeof(label)));
}

/* Address ranges no pool or fixed address may touch. */
struct reserved_range {
	const char *prefix;
	const char *what;
};

static const struct reserved_range reserved_ranges[] = {
	{ "0.0.0.0/8", "\"this network\"" },
	{ "127.0.0.0/8", "loopback" },
	{ "169.254.0.0/16", "link-local" },
	{ "224.0.0.0/4", "multicast" },
	{ "240.0.0.0/4", "reserved" },
	{ "::/8", "reserved (loopback, unspecified, IPv4-mapped)" },
	{ "fe80::/10", "link-local" },
	{ "ff00::/8", "multicast" },
};

/* One address range some rule uses: a pool, or the block of an address. */
struct range_use {
	struct addr_prefix range;	/* network form */
	unsigned int block_len;		/* pools: the block size; else 0 */
	enum policy_key key;
	unsigned int line;
	uint8_t last[16];		/* highest address in range */
};

static int range_use_compare(const void *a, const void *b)
{
	const struct range_use *x = a, *y = b;
	int r;

	if (x->range.family != y->range.family)
		return x->range.family < y->range.family ? -1 : 1;
	r = memcmp(x->range.bytes, y->range.bytes, sizeof(x->range.bytes));
	if (r)
		return r;
	if (x->range.len != y->range.len)
		return x->range.len < y->range.len ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static void range_use_last(struct range_use *u)
{
	unsigned int bits = addr_family_bits(u->range.family);

	memcpy(u->last, u->range.bytes, sizeof(u->last));
	for (unsigned int i = u->range.len; i < bits; i++)
		u->last[i / 8] |= (uint8_t)(0x80u >> (i % 8));
}

static int add_range(struct range_use **v, size_t *n, size_t *cap,
		     const struct addr_prefix *range, unsigned int block_len,
		     enum policy_key key, unsigned int line)
{
	struct range_use *u;

	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		struct range_use *nv = reallocarray(*v, c, sizeof(**v));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = c;
	}
	u = &(*v)[(*n)++];
	u->range = addr_prefix_network(range);
	u->block_len = block_len;
	u->key = key;
	u->line = line;
	range_use_last(u);
	return 0;
}

static void check_reserved(const struct range_use *u, const char *file,
			   struct diag *d)
{
	char buf[ADDR_PREFIX_STRLEN];

	for (size_t i = 0; i < ELEMENTSOF(reserved_ranges); i++) {
		struct addr_prefix res;
		const char *reason;

		if (addr_prefix_parse(reserved_ranges[i].prefix, AF_UNSPEC, false,
				      &res, &reason) < 0)
			continue;
		if (addr_prefix_overlaps(&u->range, &res)) {
			diag_error(d, file, u->line, "%s %s overlaps %s (%s)",
				   key_name(u->key),
				   addr_prefix_format(&u->range, buf, sizeof(buf)),
				   reserved_ranges[i].prefix, reserved_ranges[i].what);
			return;
		}
	}
}

/*
 * Pools and fixed addresses must not overlap, or two users could end up
 * with one address.  Two rules may share a pool by naming the same prefix
 * with the same block size.  Sorting by start address makes this
 * O(n log n): a range overlaps an earlier one exactly when it starts at or
 * before the highest end seen so far.
 */
static void check_overlaps(const struct policy *p, const char *file,
			   struct diag *d)
{
	struct range_use *v = NULL;
	size_t n = 0, cap = 0;
	const struct policy_rule *r;
	int err = 0;

	for (size_t i = 0; i <= p->n_rules && err == 0; i++) {
		r = i == 0 ? &p->defaults : &p->rules[i - 1];
		if (rule_sets(r, POLICY_KEY_POOL4) && rule_key_ok(r, POLICY_KEY_POOL4) &&
		    addr_prefix_is_set(&r->pool4))
			err = add_range(&v, &n, &cap, &r->pool4, r->prefix4,
					POLICY_KEY_POOL4, r->key_line[POLICY_KEY_POOL4]);
		else if (rule_sets(r, POLICY_KEY_PREFIX4) &&
			 addr_prefix_is_set(&r->pool4) &&
			 rule_key_ok(r, POLICY_KEY_PREFIX4))
			err = add_range(&v, &n, &cap, &r->pool4, r->prefix4,
					POLICY_KEY_POOL4, r->key_line[POLICY_KEY_PREFIX4]);
		if (err == 0 && rule_sets(r, POLICY_KEY_POOL6) &&
		    rule_key_ok(r, POLICY_KEY_POOL6) && addr_prefix_is_set(&r->pool6))
			err = add_range(&v, &n, &cap, &r->pool6, r->prefix6,
					POLICY_KEY_POOL6, r->key_line[POLICY_KEY_POOL6]);
		else if (err == 0 && rule_sets(r, POLICY_KEY_PREFIX6) &&
			 addr_prefix_is_set(&r->pool6) &&
			 rule_key_ok(r, POLICY_KEY_PREFIX6))
			err = add_range(&v, &n, &cap, &r->pool6, r->prefix6,
					POLICY_KEY_POOL6, r->key_line[POLICY_KEY_PREFIX6]);
		if (err == 0 && rule_sets(r, POLICY_KEY_ADDRESS4) &&
		    rule_key_ok(r, POLICY_KEY_ADDRESS4))
			err = add_range(&v, &n, &cap, &r->address4, 0,
					POLICY_KEY_ADDRESS4, r->key_line[POLICY_KEY_ADDRESS4]);
		if (err == 0 && rule_sets(r, POLICY_KEY_ADDRESS6) &&
		    rule_key_ok(r, POLICY_KEY_ADDRESS6))
			err = add_range(&v, &n, &cap, &r->address6, 0,
					POLICY_KEY_ADDRESS6, r->key_line[POLICY_KEY_ADDRESS6]);
	}
	if (err) {
		diag_error(d, file, 0, "out of memory while checking address ranges");
		free(v);
		return;
	}

	for (size_t i = 0; i < n; i++)
		check_reserved(&v[i], file, d);

	if (n > 1)
		qsort(v, n, sizeof(*v), range_use_compare);
	for (size_t i = 1, widest = 0; i < n; i++) {
		const struct range_use *a = &v[widest], *b = &v[i];
		const struct range_use *first, *second;
		char abuf[ADDR_PREFIX_STRLEN], bbuf[ADDR_PREFIX_STRLEN];

		if (a->range.family != b->range.family) {
			widest = i;
			continue;
		}
		if (memcmp(b->range.bytes, a->last, sizeof(a->last)) > 0) {
			widest = i;	/* disjoint from everything before */
			continue;
		}
		first = a->line <= b->line ? a : b;
		second = first == a ? b : a;
		if (addr_prefix_equal(&a->range, &b->range) && a->block_len &&
		    a->block_len == b->block_len && a->key == b->key)
			continue;	/* one pool shared by several rules */
		if (addr_prefix_equal(&a->range, &b->range) && a->block_len &&
		    b->block_len && a->key == b->key)
			diag_error(d, file, second->line,
				   "%s %s is split into /%u blocks here and into /%u blocks at line %u",
				   key_name(second->key),
				   addr_prefix_format(&second->range, bbuf, sizeof(bbuf)),
				   second->block_len, first->block_len, first->line);
		else
			diag_error(d, file, second->line,
				   "%s %s overlaps %s %s at line %u",
				   key_name(second->key),
				   addr_prefix_format(&second->range, bbuf, sizeof(bbuf)),
				   key_name(first->key),
				   addr_prefix_format(&first->range, abuf, sizeof(abuf)),
				   first->line);
		if (memcmp(b->last, a->last, sizeof(a->last)) > 0)
			widest = i;
	}
	free(v);
}

struct rule_ref {
	const struct policy_rule *rule;
};

static int rule_ref_compare(const void *a, const void *b)
{
	const struct policy_rule *x = ((const struct rule_ref *)a)->rule;
	const struct policy_rule *y = ((const struct rule_ref *)b)->rule;
	int r;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	r = strcmp(x->name, y->name);
	if (r)
		return r;
	return x->line < y->line ? -1 : x->line > y->line;
}

static void check_duplicate_sections(const struct policy *p, const char *file,
				     struct diag *d)
{
	struct rule_ref *v;

	if (p->n_rules < 2)
		return;
	v = calloc(p->n_rules, sizeof(*v));
	if (!v) {
		diag_error(d, file, 0, "out of memory while checking sections");
		return;
	}
	for (size_t i = 0; i < p->n_rules; i++)
		v[i].rule = &p->rules[i];
	qsort(v, p->n_rules, sizeof(*v), rule_ref_compare);
	for (size_t i = 1, first = 0; i < p->n_rules; i++) {
		const struct policy_rule *a = v[first].rule, *b = v[i].rule;
		char label[POLICY_NAME_MAX + 16];

		if (a->kind != b->kind || !streq(a->name, b->name)) {
			first = i;
			continue;
		}
		diag_error(d, file, b->line, "duplicate section %s (first at line %u)",
			   rule_label(b, label, sizeof(label)), a->line);
	}
	free(v);
}

/* Lookups through NSS: only when asked, as they may be slow. */
static void check_names(const struct policy *p, const char *file,
			struct diag *d)
{
	const struct policy_global *g = &p->global;

	if (g->admin_group[0] && !getgrnam(g->admin_group))
		diag_warning(d, file, g->key_line[POLICY_KEY_ADMIN_GROUP],
			     "admin_group '%s' is not a known group", g->admin_group);

	for (size_t i = 0; i < p->n_rules; i++) {
		const struct policy_rule *r = &p->rules[i];
		struct passwd *pw;

		if (r->kind == POLICY_RULE_GROUP) {
			if (!getgrnam(r->name))
				diag_warning(d, file, r->line,
					     "[group:%s]: no such group; the section never applies",
					     r->name);
			continue;
		}
		pw = getpwnam(r->name);
		if (!pw)
			diag_warning(d, file, r->line,
				     "[user:%s]: no such user; the section never applies",
				     r->name);
		else if (pw->pw_uid < g->min_uid)
			diag_warning(d, file, r->line,
				     "[user:%s]: uid %lu is below min_uid %lu; the section never applies",
				     r->name, (unsigned long)pw->pw_uid,
				     (unsigned long)g->min_uid);
	}
}

/* ---- entry points ----------------------------------------------------- */

void policy_free(struct policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_rules; i++)
		free(p->rules[i].name);
	free(p->rules);
	free(p->path);
	free(p);
}

int policy_parse(const char *name, const char *buf, size_t len,
		 unsigned int flags, struct policy **ret, struct diag *diag)
{
	struct parse_ctx c = {
		.file = name,
		.buf = buf,
		.len = len,
		.flags = flags,
		.diag = diag,
		.state = SECTION_NONE,
	};
	size_t errors_before = diag->n_errors;
	struct policy *p;
	int r;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->path = strdup(name);
	if (!p->path) {
		free(p);
		return -ENOMEM;
	}
	global_init(&p->global);
	rule_init(&p->defaults, POLICY_RULE_DEFAULT);
	c.p = p;

	r = ini_parse_stream(policy_reader, &c, policy_handler, &c);
	if (r == -2)
		diag_error(diag, name, 0, "out of memory");
	else if (r != 0)
		/* Every line inih dislikes should have been caught above. */
		diag_error(diag, name, (unsigned int)(r > 0 ? r : 0),
			   "cannot parse this line");

	for (size_t i = 0; i < p->n_rules; i++)
		rule_inherit(&p->rules[i], &p->defaults);

	check_duplicate_sections(p, name, diag);
	check_rule(p, &p->defaults, name, diag);
	for (size_t i = 0; i < p->n_rules; i++)
		check_rule(p, &p->rules[i], name, diag);
	check_overlaps(p, name, diag);

	if (diag->n_errors != errors_before || diag->oom) {
		if (flags & POLICY_KEEP_INVALID) {
			p->invalid = true;
			*ret = p;
		} else {
			policy_free(p);
		}
		return -EINVAL;
	}
	if (flags & POLICY_CHECK_NAMES)
		check_names(p, name, diag);
	*ret = p;
	return 0;
}

/*
 * The directory holding the policy decides who can replace it: it must
 * not be writable by group or others unless it is sticky (then only the
 * file's owner can rename over it).
 */
static int check_parent(const char *path, uid_t trusted_uid, int *ret_dirfd,
			const char **ret_base, struct diag *diag)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct stat st;
	int fd;

	if (!slash) {
		snprintf(dir, sizeof(dir), ".");
		*ret_base = path;
	} else if (slash == path) {
		snprintf(dir, sizeof(dir), "/");
		*ret_base = slash + 1;
	} else {
		if ((size_t)(slash - path) >= sizeof(dir)) {
			diag_error(diag, path, 0, "path is too long");
			return -ENAMETOOLONG;
		}
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
		*ret_base = slash + 1;
	}
	if (**ret_base == '\0') {
		diag_error(diag, path, 0, "not a file name");
		return -EISDIR;
	}

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		diag_error(diag, path, 0, "cannot open directory %s: %s", dir,
			   strerror(e));
		return -e;
	}
	if (fstat(fd, &st) < 0) {
		int e = errno;

		diag_error(diag, path, 0, "cannot stat directory %s: %s", dir,
			   strerror(e));
		close(fd);
		return -e;
	}
	if (st.st_uid != 0 && st.st_uid != trusted_uid) {
		diag_error(diag, path, 0,
			   "directory %s is owned by uid %lu, not root", dir,
			   (unsigned long)st.st_uid);
		close(fd);
		return -EPERM;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
		diag_error(diag, path, 0,
			   "directory %s is writable by group or others (mode %04o)",
			   dir, (unsigned int)(st.st_mode & 07777));
		close(fd);
		return -EPERM;
	}
	*ret_dirfd = fd;
	return 0;
}

int policy_load(const char *path, uid_t trusted_uid, unsigned int flags,
		struct policy **ret, struct diag *diag)
{
	const char *base;
	char *buf = NULL;
	size_t len = 0;
	struct stat st;
	int dirfd, fd, r;

	r = check_parent(path, trusted_uid, &dirfd, &base, diag);
	if (r < 0)
		return r;

	/* O_NONBLOCK: a FIFO put in the policy's place must not hang a login. */
	fd = openat(dirfd, base,
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	r = -errno;
	close(dirfd);
	if (fd < 0) {
		if (r == -ELOOP)
			diag_error(diag, path, 0,
				   "is a symbolic link; the policy must be a regular file");
		else
			diag_error(diag, path, 0, "cannot open: %s", strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		diag_error(diag, path, 0, "cannot stat: %s", strerror(-r));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		diag_error(diag, path, 0, "is not a regular file");
		r = -EINVAL;
		goto out;
	}
	if (st.st_uid != 0 && st.st_uid != trusted_uid) {
		diag_error(diag, path, 0, "is owned by uid %lu, not root",
			   (unsigned long)st.st_uid);
		r = -EPERM;
		goto out;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		diag_error(diag, path, 0,
			   "is writable by group or others (mode %04o); run chmod go-w on it",
			   (unsigned int)(st.st_mode & 07777));
		r = -EPERM;
		goto out;
	}

	r = util_read_fd(fd, POLICY_FILE_MAX, &buf, &len);
	if (r == -EFBIG) {
		diag_error(diag, path, 0, "is larger than %u bytes", POLICY_FILE_MAX);
		goto out;
	}
	if (r < 0) {
		diag_error(diag, path, 0, "cannot read: %s", strerror(-r));
		goto out;
	}
	r = policy_parse(path, buf, len, flags, ret, diag);
out:
	free(buf);
	close(fd);
	return r;
}

const struct policy_rule *policy_find_rule(const struct policy *p,
					   enum policy_rule_kind kind,
					   const char *name)
{
	for (size_t i = 0; i < p->n_rules; i++)
		if (p->rules[i].kind == kind && streq(p->rules[i].name, name))
			return &p->rules[i];
	return NULL;
}
