/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rules for names: interface names, user and group names, namespace
 * names, and the templates that make names per user or per group.  Every
 * place that asks whether a name is acceptable asks here.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "policy-internal.h"

/* Decimal digits of POLICY_UID_MAX and POLICY_GID_MAX. */
#define ID_DIGITS_MAX 10

/*
 * Interface names as the kernel's dev_valid_name() takes them, narrowed
 * to characters that need no quoting in ip(8) commands and logs.
 */
static bool ifname_char_ok(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '_' || c == '-' || c == '+';
}

static bool netns_char_ok(char c)
{
	return ifname_char_ok(c) || c == '@';
}

/* Host names as resolvers take them, '_' included (user names have it). */
static bool host_char_ok(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.';
}

int policy_check_ifname(const char *name, struct errbuf *err)
{
	size_t n = strlen(name);

	if (n == 0 || n >= IFNAMSIZ) {
		errbuf_set(err, "an interface name has 1 to %d bytes", IFNAMSIZ - 1);
		return -EINVAL;
	}
	if (streq(name, ".") || streq(name, "..")) {
		errbuf_set(err, "not a valid interface name");
		return -EINVAL;
	}
	for (const char *s = name; *s; s++)
		if (!ifname_char_ok(*s)) {
			errbuf_set(err, "character '%c' is not allowed in an interface name", *s);
			return -EINVAL;
		}
	return 0;
}

int policy_check_account_name(const char *name, struct errbuf *err)
{
	size_t n = strlen(name);

	if (n == 0) {
		errbuf_set(err, "empty name");
		return -EINVAL;
	}
	if (n >= POLICY_NAME_MAX) {
		errbuf_set(err, "name longer than %u bytes", POLICY_NAME_MAX - 1);
		return -EINVAL;
	}
	if (isspace((unsigned char)name[0]) || isspace((unsigned char)name[n - 1])) {
		errbuf_set(err, "name begins or ends with white space");
		return -EINVAL;
	}
	for (const char *s = name; *s; s++)
		if (*s == ':' || *s == ',' || iscntrl((unsigned char)*s)) {
			errbuf_set(err, "character '%c' is not allowed in a name", *s);
			return -EINVAL;
		}
	return 0;
}

bool policy_netns_name_valid(const char *name)
{
	size_t n = strlen(name);

	/* iproute2's rules (ip/ipnetns.c)... */
	if (n == 0 || n > NAME_MAX || strchr(name, '/') || streq(name, ".") || streq(name, ".."))
		return false;
	/* ...and nothing a shell or a log line would have to quote. */
	for (const char *s = name; *s; s++)
		if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s))
			return false;
	return true;
}

bool policy_user_name_valid(const char *name)
{
	if (!*name)
		return false;
	/* Records and lease files hold a name per line: no line breaks. */
	for (const unsigned char *s = (const unsigned char *)name; *s; s++)
		if (*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* What a template's escapes stand for, by whose namespace it names. */
struct owner_escapes {
	char name, id;	       /* 'u', 'U' or 'g', 'G' */
	const char *name_what; /* "user" */
	const char *id_what;   /* "uid" */
	uint32_t widest_id;    /* the id with the most digits */
	const char *wrong;     /* why the other owner's escapes are refused */
	const char *others;    /* what a namespace name without either would be */
	const char *host_ends; /* what a host end name without the id would be */
};

static const struct owner_escapes owner_escapes[] = {
	[TEMPLATE_OF_USER] = {
		.name = 'u', .id = 'U', .name_what = "user", .id_what = "uid",
		.widest_id = POLICY_UID_MAX,
		.wrong = "%g and %G name a group: only a section with share = group can use them",
		.others = "or every user would share one namespace",
		.host_ends = "or every user's host end would have one name",
	},
	[TEMPLATE_OF_GROUP] = {
		.name = 'g', .id = 'G', .name_what = "group", .id_what = "gid",
		.widest_id = POLICY_GID_MAX,
		.wrong = "%u and %U name a user: a namespace shared by a group cannot use them",
		.others = "or the name would not say whose namespace it is",
		.host_ends = "or the name would not say whose host end it is",
	},
};

/*
 * A template must produce a valid and, for namespaces and host ends, an
 * owner's own name for every owner: the namespace name under iproute2's
 * rules (no '/', not "." or "..", at most NAME_MAX bytes), an interface
 * name in IFNAMSIZ - 1 bytes even for the widest uid or gid.  User and
 * group names have no length bound we could check here, so interface
 * names may not contain them.  A user's template knows nothing of groups
 * and a shared namespace's nothing of its users: each refuses the other's
 * escapes.
 */
int policy_check_template(const char *value, enum template_kind kind, enum template_owner owner,
			  struct errbuf *err)
{
	const struct owner_escapes *o = &owner_escapes[owner];
	bool ifname = kind == TEMPLATE_HOST_IFNAME || kind == TEMPLATE_PEER_IFNAME;
	bool has_name = false, has_id = false;
	size_t widest = 0;

	if (strlen(value) >= POLICY_TEMPLATE_MAX) {
		errbuf_set(err, "longer than %u bytes", POLICY_TEMPLATE_MAX - 1);
		return -EINVAL;
	}
	for (const char *s = value; *s; s++) {
		if (*s != '%') {
			bool ok = kind == TEMPLATE_NETNS    ? netns_char_ok(*s) :
				  kind == TEMPLATE_HOSTNAME ? host_char_ok(*s) :
							      ifname_char_ok(*s);
			if (!ok) {
				errbuf_set(err, "character '%c' is not allowed in %s", *s,
					   kind == TEMPLATE_NETNS    ? "a namespace name" :
					   kind == TEMPLATE_HOSTNAME ? "a host name" :
								       "an interface name");
				return -EINVAL;
			}
			widest++;
			continue;
		}
		s++;
		if (*s == '%') {
			widest++;
		} else if (*s == '\0') {
			errbuf_set(err, "ends in a lone '%%'");
			return -EINVAL;
		} else if (*s == o->name && ifname) {
			errbuf_set(
				err,
				"%%%c cannot be used in an interface name (a %s name may not fit in %d bytes); use %%%c",
				o->name, o->name_what, IFNAMSIZ - 1, o->id);
			return -EINVAL;
		} else if (*s == o->name) {
			has_name = true;
			widest++; /* the rest is checked per owner */
		} else if (*s == o->id) {
			has_id = true;
			widest += ID_DIGITS_MAX;
		} else if (strchr("uUgG", *s)) {
			errbuf_set(err, "%s", o->wrong);
			return -EINVAL;
		} else {
			errbuf_set(
				err,
				"unknown escape '%%%c' (known: %%%c %s name, %%%c %s, %%%% a percent sign)",
				*s, o->name, o->name_what, o->id, o->id_what);
			return -EINVAL;
		}
	}

	switch (kind) {
	case TEMPLATE_NETNS:
		if (!has_name && !has_id) {
			errbuf_set(err, "must contain %%%c or %%%c, %s", o->name, o->id, o->others);
			return -EINVAL;
		}
		if (widest > NAME_MAX) {
			errbuf_set(err, "expands to more than %d bytes", NAME_MAX);
			return -EINVAL;
		}
		break;
	case TEMPLATE_HOSTNAME:
		if (!has_name && !has_id) {
			errbuf_set(
				err,
				"must contain %%%c or %%%c, or every namespace would have one name",
				o->name, o->id);
			return -EINVAL;
		}
		if (widest > POLICY_HOSTNAME_MAX) {
			errbuf_set(err, "expands to more than %u bytes", POLICY_HOSTNAME_MAX);
			return -EINVAL;
		}
		break;
	case TEMPLATE_HOST_IFNAME:
		if (!has_id) {
			errbuf_set(err, "must contain %%%c, %s", o->id, o->host_ends);
			return -EINVAL;
		}
		__attribute__((fallthrough));
	case TEMPLATE_PEER_IFNAME:
		if (widest >= IFNAMSIZ) {
			errbuf_set(err,
				   "expands to %zu bytes for %s %" PRIu32
				   "; an interface name has at most %d",
				   widest, o->id_what, o->widest_id, IFNAMSIZ - 1);
			return -EINVAL;
		}
		if (widest == 0) {
			errbuf_set(err, "empty name");
			return -EINVAL;
		}
		if (kind == TEMPLATE_PEER_IFNAME && !has_id &&
		    (streq(value, "lo") || streq(value, ".") || streq(value, ".."))) {
			errbuf_set(err, "'%s' is not usable as the namespace end", value);
			return -EINVAL;
		}
		break;
	}
	return 0;
}

/*
 * Expand a template of one owner: name for its name escape (%u or %g),
 * id for its id escape (%U or %G), both as text.  Any other escape is
 * -EINVAL, the other owner's included.
 */
static int expand(const char *tmpl, char name_escape, const char *name, const char *id, char *buf,
		  size_t size)
{
	char id_escape = (char)toupper((unsigned char)name_escape);
	size_t n = 0;

	if (size == 0)
		return -ENAMETOOLONG;
	for (const char *s = tmpl; *s; s++) {
		const char *piece;
		size_t len;

		if (*s != '%') {
			piece = s;
			len = 1;
		} else {
			s++;
			if (*s == name_escape)
				piece = name;
			else if (*s == id_escape)
				piece = id;
			else if (*s == '%')
				piece = "%";
			else
				return -EINVAL;
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

int policy_template_expand(const char *tmpl, const char *user, uint32_t uid, char *buf, size_t size)
{
	char num[ID_DIGITS_MAX + 1];

	snprintf(num, sizeof(num), "%" PRIu32, uid);
	return expand(tmpl, 'u', user, num, buf, size);
}

int policy_template_expand_group(const char *tmpl, const char *group, uint32_t gid, char *buf,
				 size_t size)
{
	char num[ID_DIGITS_MAX + 1];

	snprintf(num, sizeof(num), "%" PRIu32, gid);
	return expand(tmpl, 'g', group, num, buf, size);
}

int policy_template_pattern(const char *tmpl, enum template_owner owner, const char *group,
			    char *buf, size_t size)
{
	static const char any[] = { TEMPLATE_ANY, '\0' }, digits[] = { TEMPLATE_DIGITS, '\0' };

	if (owner == TEMPLATE_OF_USER)
		return expand(tmpl, 'u', any, digits, buf, size);
	return expand(tmpl, 'g', group ? group : any, digits, buf, size);
}

static bool is_escape(char c)
{
	return c == TEMPLATE_ANY || c == TEMPLATE_DIGITS;
}

bool policy_pattern_fixed(const char *pattern)
{
	return !pattern[policy_pattern_fixed_start(pattern)];
}

size_t policy_pattern_fixed_start(const char *pattern)
{
	return strcspn(pattern, (const char[]){ TEMPLATE_ANY, TEMPLATE_DIGITS, '\0' });
}

size_t policy_pattern_fixed_end(const char *pattern)
{
	size_t n = strlen(pattern), e = 0;

	while (e < n && !is_escape(pattern[n - 1 - e]))
		e++;
	return e;
}

/* A pattern as the comparisons below see it. */
struct shape {
	const char *s;
	size_t len, start, end; /* of the fixed start and end */
	bool fixed;		/* no escape: one name */
	char first, last;	/* the escapes that follow the start, precede the end */
};

static struct shape shape_of(const char *pattern)
{
	struct shape x = { .s = pattern, .len = strlen(pattern) };

	x.start = policy_pattern_fixed_start(pattern);
	x.end = policy_pattern_fixed_end(pattern);
	x.fixed = x.start == x.len;
	if (!x.fixed) {
		x.first = pattern[x.start];
		x.last = pattern[x.len - x.end - 1];
	}
	return x;
}

/* Can escape (one of a pattern's) give a name c at its place? */
static bool escape_gives(char escape, char c)
{
	return escape != TEMPLATE_DIGITS || (c >= '0' && c <= '9');
}

/*
 * Does name match pattern, ignoring case: its text, each TEMPLATE_ANY one
 * byte or more, each TEMPLATE_DIGITS one digit or more?  m[j] says whether
 * the name so far matches the pattern's first j bytes.
 */
static bool pattern_matches(const char *pattern, const char *name)
{
	size_t pl = strlen(pattern);
	bool m[NAME_MAX + 2], was;

	if (pl > NAME_MAX)
		return true; /* never: patterns are names, at most NAME_MAX bytes */
	m[0] = true;
	for (size_t j = 1; j <= pl; j++)
		m[j] = false;
	for (const char *c = name; *c; c++) {
		was = m[0];
		m[0] = false;
		for (size_t j = 1; j <= pl; j++) {
			char t = pattern[j - 1];
			bool before = was;

			was = m[j];
			if (is_escape(t))
				m[j] = (before || m[j]) && escape_gives(t, *c);
			else
				m[j] = before && policy_fold_char(t) == policy_fold_char(*c);
		}
	}
	return m[pl];
}

/*
 * Can the fixed starts of two patterns with escapes begin one name: is
 * one a start of the other, and can the shorter one's first escape give
 * what the longer has there?
 */
static bool starts_meet(const struct shape *x, const struct shape *y)
{
	if (x->start > y->start)
		return starts_meet(y, x);
	return policy_fold_equal(x->s, y->s, x->start) &&
	       (x->start == y->start || escape_gives(x->first, y->s[x->start]));
}

/* The same for the fixed ends. */
static bool ends_meet(const struct shape *x, const struct shape *y)
{
	if (x->end > y->end)
		return ends_meet(y, x);
	return policy_fold_equal(x->s + x->len - x->end, y->s + y->len - x->end, x->end) &&
	       (x->end == y->end || escape_gives(x->last, y->s[y->len - x->end - 1]));
}

bool policy_patterns_may_meet(const char *x, const char *y)
{
	struct shape a = shape_of(x), b = shape_of(y);

	if (a.fixed && b.fixed)
		return a.len == b.len && policy_fold_equal(x, y, a.len);
	if (a.fixed)
		return pattern_matches(y, x);
	if (b.fixed)
		return pattern_matches(x, y);
	return starts_meet(&a, &b) && ends_meet(&a, &b);
}

bool policy_pattern_covers(const char *x, const char *y)
{
	struct shape a = shape_of(x), b = shape_of(y);

	if (b.fixed)
		return pattern_matches(x, y);
	/* Judged for an x of one escape only: its start, what it gives, its end. */
	if (a.fixed || a.len - a.start - a.end != 1 || a.start > b.start || a.end > b.end ||
	    !policy_fold_equal(x, y, a.start) ||
	    !policy_fold_equal(x + a.len - a.end, y + b.len - a.end, a.end))
		return false;
	/* y between x's start and end is the escape's to give: digits, for %U. */
	for (size_t i = a.start; i < b.len - a.end; i++)
		if (!escape_gives(a.first, y[i]) && y[i] != TEMPLATE_DIGITS)
			return false;
	return true;
}

bool policy_hostname_claims(const struct policy *p, const char *name)
{
	char pattern[POLICY_TEMPLATE_MAX];

	if (!p->global.hostname[0])
		return false;
	/* Cannot happen (a pattern is no longer than its template): withheld. */
	if (policy_template_pattern(p->global.hostname, TEMPLATE_OF_USER, NULL, pattern,
				    sizeof(pattern)) < 0)
		return true;
	return pattern_matches(pattern, name);
}
