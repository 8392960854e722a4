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
	static const char any[] = { TEMPLATE_ANY, '\0' };

	if (owner == TEMPLATE_OF_USER)
		return expand(tmpl, 'u', any, any, buf, size);
	return expand(tmpl, 'g', group ? group : any, any, buf, size);
}

size_t policy_pattern_fixed_start(const char *pattern)
{
	return strcspn(pattern, (const char[]){ TEMPLATE_ANY, '\0' });
}
