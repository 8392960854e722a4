/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "usernetns/owner.h"
#include "usernetns/policy.h"

const char *owner_file_name(owner_t o, char *buf, size_t size)
{
	snprintf(buf, size, "%s%" PRIu32, owner_is_group(o) ? "g" : "", owner_id(o));
	return buf;
}

/* A decimal id up to POLICY_UID_MAX, all of s up to end (NULL: to the NUL). */
static int parse_id(const char *s, uint32_t *ret, const char **ret_end)
{
	unsigned long long x;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || x > POLICY_UID_MAX || (!ret_end && *end))
		return -EINVAL;
	/* No leading zeros: one key, one spelling. */
	if (*s == '0' && end - s > 1)
		return -EINVAL;
	*ret = (uint32_t)x;
	if (ret_end)
		*ret_end = end;
	return 0;
}

int owner_parse_file_name(const char *s, owner_t *ret)
{
	bool group = *s == 'g';
	uint32_t id;
	int r;

	r = parse_id(s + group, &id, NULL);
	if (r < 0)
		return r;
	*ret = group ? owner_group(id) : owner_user(id);
	return 0;
}

const char *owner_key(owner_t o, char *buf, size_t size)
{
	snprintf(buf, size, "%s=%" PRIu32, owner_is_group(o) ? "gid" : "uid", owner_id(o));
	return buf;
}

int owner_parse_key(const char *s, owner_t *ret, const char **ret_end)
{
	bool group;
	uint32_t id;
	int r;

	if (strncmp(s, "uid=", 4) == 0)
		group = false;
	else if (strncmp(s, "gid=", 4) == 0)
		group = true;
	else
		return -EINVAL;
	r = parse_id(s + 4, &id, ret_end);
	if (r < 0)
		return r;
	*ret = group ? owner_group(id) : owner_user(id);
	return 0;
}

const char *owner_describe(owner_t o, char *buf, size_t size)
{
	snprintf(buf, size, "%s %" PRIu32, owner_is_group(o) ? "gid" : "uid", owner_id(o));
	return buf;
}
