/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rules for names: interface names, user and group names, namespace
 * names, and the templates that make names per user.  Every place that
 * asks whether a name is acceptable asks here.
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

/* Decimal digits of POLICY_UID_MAX. */
#define UID_DIGITS_MAX 10

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

/*
 * A template must produce a valid and, for namespaces and host ends, a
 * per-user name for every user: the namespace name under iproute2's rules
 * (no '/', not "." or "..", at most NAME_MAX bytes), an interface name in
 * IFNAMSIZ - 1 bytes even for the widest uid.  User names have no length
 * bound we could check here, so interface names may not contain them.
 */
int policy_check_template(const char *value, enum template_kind kind, struct errbuf *err)
{
	size_t widest = 0;
	bool has_user = false, has_uid = false;

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
		switch (*++s) {
		case 'u':
			if (kind != TEMPLATE_NETNS && kind != TEMPLATE_HOSTNAME) {
				errbuf_set(
					err,
					"%%u cannot be used in an interface name (a user name may not fit in %d bytes); use %%U",
					IFNAMSIZ - 1);
				return -EINVAL;
			}
			has_user = true;
			widest++; /* the rest is checked per user */
			break;
		case 'U':
			has_uid = true;
			widest += UID_DIGITS_MAX;
			break;
		case '%':
			widest++;
			break;
		case '\0':
			errbuf_set(err, "ends in a lone '%%'");
			return -EINVAL;
		default:
			errbuf_set(
				err,
				"unknown escape '%%%c' (known: %%u user name, %%U uid, %%%% a percent sign)",
				*s);
			return -EINVAL;
		}
	}

	switch (kind) {
	case TEMPLATE_NETNS:
		if (!has_user && !has_uid) {
			errbuf_set(
				err,
				"must contain %%u or %%U, or every user would share one namespace");
			return -EINVAL;
		}
		if (widest > NAME_MAX) {
			errbuf_set(err, "expands to more than %d bytes", NAME_MAX);
			return -EINVAL;
		}
		break;
	case TEMPLATE_HOSTNAME:
		if (!has_user && !has_uid) {
			errbuf_set(
				err,
				"must contain %%u or %%U, or every namespace would have one name");
			return -EINVAL;
		}
		if (widest > POLICY_HOSTNAME_MAX) {
			errbuf_set(err, "expands to more than %u bytes", POLICY_HOSTNAME_MAX);
			return -EINVAL;
		}
		break;
	case TEMPLATE_HOST_IFNAME:
		if (!has_uid) {
			errbuf_set(
				err,
				"must contain %%U, or every user's host end would have one name");
			return -EINVAL;
		}
		__attribute__((fallthrough));
	case TEMPLATE_PEER_IFNAME:
		if (widest >= IFNAMSIZ) {
			errbuf_set(err,
				   "expands to %zu bytes for uid %" PRIu32
				   "; an interface name has at most %d",
				   widest, POLICY_UID_MAX, IFNAMSIZ - 1);
			return -EINVAL;
		}
		if (widest == 0) {
			errbuf_set(err, "empty name");
			return -EINVAL;
		}
		if (kind == TEMPLATE_PEER_IFNAME && !has_uid &&
		    (streq(value, "lo") || streq(value, ".") || streq(value, ".."))) {
			errbuf_set(err, "'%s' is not usable as the namespace end", value);
			return -EINVAL;
		}
		break;
	}
	return 0;
}

int policy_template_expand(const char *tmpl, const char *user, uint32_t uid, char *buf, size_t size)
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
