/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "usernetns/limits.h"
#include "usernetns/owner.h"
#include "usernetns/util.h"

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
	const char *end;
	uint64_t x;

	if (util_parse_decimal(s, POLICY_UID_MAX, &x, &end) < 0 || (!ret_end && *end))
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

int owner_compare(const void *a, const void *b)
{
	owner_t x = *(const owner_t *)a, y = *(const owner_t *)b;

	return x < y ? -1 : x > y;
}

struct owner_list {
	owner_t *v;
	size_t n, cap;
};

static int list_one(int dfd, const char *name, void *data)
{
	struct owner_list *l = data;
	owner_t owner, *v;

	if (owner_parse_file_name(name, &owner) < 0)
		return 0;
	v = util_grow(l->v, &l->cap, l->n + 1, sizeof(*v), 64);
	if (!v)
		return -ENOMEM;
	l->v = v;
	l->v[l->n++] = owner;
	return 0;
}

int owner_list_dir(int dfd, owner_t **ret, size_t *ret_n)
{
	struct owner_list l = { 0 };
	int r = util_dir_foreach(dfd, list_one, &l);

	close(dfd);
	if (r < 0) {
		free(l.v);
		return r;
	}
	if (l.n > 1)
		qsort(l.v, l.n, sizeof(*l.v), owner_compare);
	*ret = l.v;
	*ret_n = l.n;
	return 0;
}

int owner_list_path(const char *path, owner_t **ret, size_t *ret_n, struct errbuf *err)
{
	int dfd, r;

	*ret = NULL;
	*ret_n = 0;
	r = util_open_dir(path, false, 0, &dfd);
	if (r == -ENOENT)
		return 0;
	if (r == 0)
		r = owner_list_dir(dfd, ret, ret_n);
	if (r < 0)
		return errbuf_errno(err, r, "cannot list %s", path);
	return 0;
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
