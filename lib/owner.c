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

/*
 * A decimal id up to POLICY_UID_MAX, of a group's owner if group: all of
 * s up to the NUL, or (ret_end) as far as it goes.
 */
static int parse_owner(const char *s, bool group, owner_t *ret, const char **ret_end)
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
	*ret = group ? owner_group((gid_t)x) : owner_user((uid_t)x);
	if (ret_end)
		*ret_end = end;
	return 0;
}

int owner_parse_file_name(const char *s, owner_t *ret)
{
	return parse_owner(s + (*s == 'g'), *s == 'g', ret, NULL);
}

const char *owner_key(owner_t o, char *buf, size_t size)
{
	snprintf(buf, size, "%s=%" PRIu32, owner_is_group(o) ? "gid" : "uid", owner_id(o));
	return buf;
}

int owner_parse_key(const char *s, owner_t *ret, const char **ret_end)
{
	if (strncmp(s, "uid=", 4) != 0 && strncmp(s, "gid=", 4) != 0)
		return -EINVAL;
	return parse_owner(s + 4, *s == 'g', ret, ret_end);
}

const char *owner_describe(owner_t o, char *buf, size_t size)
{
	snprintf(buf, size, "%s %" PRIu32, owner_is_group(o) ? "gid" : "uid", owner_id(o));
	return buf;
}
