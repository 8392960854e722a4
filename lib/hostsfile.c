/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libc alone: built into the NSS module too (hostsfile.h); of addr.h it
 * takes an inline function, which links nothing.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "usernetns/addr.h"
#include "usernetns/hostsfile.h"

#define MAGIC "usernetns-hosts 1"

static bool label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

bool hosts_name_valid(const char *name)
{
	size_t label = 0, n = 0;
	bool numeric = true;

	for (const char *s = name; *s; s++, n++) {
		if (n >= HOSTS_NAME_MAX)
			return false;
		if (*s == '.') {
			/* No empty label, none ending in '-'. */
			if (label == 0 || s[-1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!label_char(*s) || (*s == '-' && label == 0) || ++label > 63)
			return false;
		numeric &= *s >= '0' && *s <= '9';
	}
	return label > 0 && name[n - 1] != '-' && !numeric;
}

/* An owner's text: a short word of lower-case letters, digits and '='. */
static bool owner_valid(const char *owner)
{
	size_t n = 0;

	for (const char *s = owner; *s; s++, n++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '='))
			return false;
	return n > 0 && n < HOSTS_OWNER_MAX;
}

int hosts_name_key(const char *name, char buf[HOSTS_NAME_MAX + 1])
{
	size_t i;

	if (!hosts_name_valid(name))
		return -EINVAL;
	for (i = 0; name[i]; i++)
		buf[i] = name[i] >= 'A' && name[i] <= 'Z' ? (char)(name[i] - 'A' + 'a') : name[i];
	buf[i] = '\0';
	return 0;
}

int hosts_addr_key(const struct hosts_addr *a, char *buf, size_t size)
{
	if ((a->family != AF_INET && a->family != AF_INET6) ||
	    !inet_ntop(a->family, a->bytes, buf, (socklen_t)size))
		return -EINVAL;
	return 0;
}

bool hosts_entry_has_name(const struct hosts_entry *e, const char *name)
{
	for (size_t i = 0; i < e->n_names; i++)
		if (strcasecmp(e->names[i], name) == 0)
			return true;
	return false;
}

bool hosts_entry_has_addr(const struct hosts_entry *e, const struct hosts_addr *a)
{
	size_t len = addr_family_bytes(a->family);

	for (size_t i = 0; i < e->n_addrs; i++)
		if (e->addrs[i].family == a->family &&
		    memcmp(e->addrs[i].bytes, a->bytes, len) == 0)
			return true;
	return false;
}

int hosts_format(const struct hosts_entry *e, char *buf, size_t size)
{
	size_t used = 0;
	int k;

	k = snprintf(buf, size, "%s\n", MAGIC);
	if (k < 0 || (size_t)k >= size)
		return -ENAMETOOLONG;
	used = (size_t)k;
	if (e->owner[0]) {
		if (!owner_valid(e->owner))
			return -EINVAL;
		k = snprintf(buf + used, size - used, "owner %s\n", e->owner);
		if (k < 0 || (size_t)k >= size - used)
			return -ENAMETOOLONG;
		used += (size_t)k;
	}
	for (size_t i = 0; i < e->n_names; i++) {
		k = snprintf(buf + used, size - used, "name %s\n", e->names[i]);
		if (k < 0 || (size_t)k >= size - used)
			return -ENAMETOOLONG;
		used += (size_t)k;
	}
	for (size_t i = 0; i < e->n_addrs; i++) {
		char text[INET6_ADDRSTRLEN];

		if (hosts_addr_key(&e->addrs[i], text, sizeof(text)) < 0)
			return -EINVAL;
		k = snprintf(buf + used, size - used, "addr %s\n", text);
		if (k < 0 || (size_t)k >= size - used)
			return -ENAMETOOLONG;
		used += (size_t)k;
	}
	return (int)used;
}

int hosts_parse(const char *buf, size_t len, struct hosts_entry *ret)
{
	struct hosts_entry e = { 0 };
	const char *line = buf, *end = buf + len;
	unsigned int lineno = 0;

	if (len == 0 || len > HOSTS_FILE_MAX || buf[len - 1] != '\n' || memchr(buf, '\0', len))
		return -EBADMSG;
	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t n = (size_t)(nl - line);
		char value[HOSTS_NAME_MAX + 1];

		lineno++;
		if (lineno == 1) {
			if (n != strlen(MAGIC) || memcmp(line, MAGIC, n) != 0)
				return -EBADMSG;
		} else if (lineno == 2 && n > 6 && n - 6 < HOSTS_OWNER_MAX &&
			   memcmp(line, "owner ", 6) == 0) {
			memcpy(e.owner, line + 6, n - 6);
			e.owner[n - 6] = '\0';
			if (!owner_valid(e.owner))
				return -EBADMSG;
		} else if (n > 5 && n - 5 <= HOSTS_NAME_MAX && memcmp(line, "name ", 5) == 0) {
			memcpy(value, line + 5, n - 5);
			value[n - 5] = '\0';
			if (e.n_names == HOSTS_NAMES_MAX || !hosts_name_valid(value))
				return -EBADMSG;
			memcpy(e.names[e.n_names++], value, n - 4);
		} else if (n > 5 && n - 5 < INET6_ADDRSTRLEN && memcmp(line, "addr ", 5) == 0) {
			struct hosts_addr *a = &e.addrs[e.n_addrs];

			memcpy(value, line + 5, n - 5);
			value[n - 5] = '\0';
			if (e.n_addrs == HOSTS_ADDRS_MAX)
				return -EBADMSG;
			if (inet_pton(AF_INET, value, a->bytes) == 1)
				a->family = AF_INET;
			else if (inet_pton(AF_INET6, value, a->bytes) == 1)
				a->family = AF_INET6;
			else
				return -EBADMSG;
			e.n_addrs++;
		} else {
			return -EBADMSG;
		}
		line = nl + 1;
	}
	if (e.n_names == 0)
		return -EBADMSG;
	*ret = e;
	return 0;
}
