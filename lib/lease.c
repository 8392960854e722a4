/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "usernetns/fault.h"
#include "usernetns/lease.h"

int lease_pool_dirname(const struct addr_prefix *pool, unsigned int block_len, char *buf,
		       size_t size)
{
	char a[ADDR_PREFIX_STRLEN];

	addr_format(pool, a, sizeof(a));
	if ((size_t)snprintf(buf, size, "%s_%u_%u", a, pool->len, block_len) >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* Open (and with create, make) statedir/leases/<pool>. */
static int open_pool_dir(const struct uns_paths *p, const struct addr_prefix *pool,
			 unsigned int block_len, bool create, int *ret_fd, char *path, size_t size,
			 struct errbuf *err)
{
	char name[ADDR_PREFIX_STRLEN + 16];
	int r;

	lease_pool_dirname(pool, block_len, name, sizeof(name));
	if ((size_t)snprintf(path, size, "%s/leases/%s", p->statedir, name) >= size) {
		errbuf_set(err, "lease path too long");
		return -ENAMETOOLONG;
	}
	/* Leases name users: for root's eyes only. */
	r = util_open_dir(path, create, 0700, ret_fd);
	if (r < 0 && r != -ENOENT)
		errbuf_errno(err, r, "cannot open %s", path);
	return r;
}

/* "uid=1001 user=alice", or "gid=2000 group=team" */
static int parse_block_file(const char *text, owner_t *ret_owner, char *name, size_t size)
{
	const char *end, *label;
	size_t n;

	if (owner_parse_key(text, ret_owner, &end) < 0 || (*end != ' ' && *end != '\n'))
		return -EBADMSG;
	if (name) {
		label = owner_is_group(*ret_owner) ? " group=" : " user=";
		name[0] = '\0';
		if (strncmp(end, label, strlen(label)) == 0) {
			end += strlen(label);
			n = strcspn(end, "\n");
			if (n < size) {
				memcpy(name, end, n);
				name[n] = '\0';
			}
		}
	}
	return 0;
}

/* "uid-1001", "gid-2000": the index file of owner. */
static void index_name(owner_t owner, char *buf, size_t size)
{
	snprintf(buf, size, "%s-%" PRIu32, owner_is_group(owner) ? "gid" : "uid", owner_id(owner));
}

/* Whose is block index?  -ENOENT when free. */
static int block_owner(int dfd, uint64_t index, owner_t *ret_owner)
{
	char name[32], buf[512];
	int r;

	snprintf(name, sizeof(name), "%" PRIu64, index);
	r = util_read_small(dfd, name, buf, sizeof(buf));
	if (r < 0)
		return r;
	return parse_block_file(buf, ret_owner, NULL, 0);
}

/* The index recorded for owner, if that block is still owner's. */
static int lookup(int dfd, const struct addr_prefix *pool, unsigned int block_len, owner_t owner,
		  uint64_t *ret_index)
{
	char name[32], buf[32];
	unsigned long index;
	owner_t holder;
	int r;

	index_name(owner, name, sizeof(name));
	r = util_read_small(dfd, name, buf, sizeof(buf));
	if (r < 0)
		return r;
	buf[strcspn(buf, "\n")] = '\0';
	if (util_parse_ulong(buf, &index) < 0 || index >= addr_block_count(pool, block_len))
		return -EBADMSG;
	r = block_owner(dfd, index, &holder);
	if (r < 0)
		return r == -ENOENT ? -ENOENT : -EBADMSG;
	if (holder != owner)
		return -EBADMSG;
	*ret_index = index;
	return 0;
}

/*
 * SplitMix64's finaliser: spreads neighbouring uids over the pool (a
 * user's key is the uid: the same start as before groups existed).
 */
static uint64_t hash_owner(owner_t owner)
{
	uint64_t z = owner + UINT64_C(0x9e3779b97f4a7c15);

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/*
 * Claim a free block for owner.  No lock is shared between owners: link(2)
 * of a complete file under the block's index is the claim, atomic (of two
 * claimants of one block, one gets EEXIST and probes on), and each block
 * file appears complete or not at all, so a crash leaves either no file
 * or a whole one; a whole one of ours found while probing (a crash before
 * the index was written) is taken back.  What is owner's alone (the
 * temporary file, the index) the caller's lock of owner guards.  A pool
 * lock would be held by the helpers too, whose callers may stop them.
 */
static int allocate(int dfd, const struct addr_prefix *pool, unsigned int block_len, owner_t owner,
		    const char *owner_name, uint64_t *ret_index, struct errbuf *err)
{
	uint64_t n = addr_block_count(pool, block_len), start;
	char content[POLICY_NAME_MAX + 32], tmp[48], name[32], key[OWNER_STRLEN];
	int len, r;

	len = snprintf(content, sizeof(content), "%s %s=%s\n", owner_key(owner, key, sizeof(key)),
		       owner_is_group(owner) ? "group" : "user", owner_name);
	if (len < 0 || (size_t)len >= sizeof(content))
		return -ENAMETOOLONG;
	snprintf(tmp, sizeof(tmp), ".new-%s", owner_file_name(owner, name, sizeof(name)));
	/* Complete before it is linked: a block file is whole or absent. */
	r = util_write_atomic(dfd, tmp, content, (size_t)len, 0600, UTIL_SYNC_DATA);
	if (r < 0)
		return errbuf_errno(err, r, "cannot write a lease");

	start = hash_owner(owner) % n;
	r = -ENOSPC;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t index = (start + i) % n;
		owner_t holder;

		snprintf(name, sizeof(name), "%" PRIu64, index);
		if (linkat(dfd, tmp, dfd, name, 0) == 0) {
			*ret_index = index;
			r = fault_err("lease.linked", err);
			break;
		}
		if (errno != EEXIST) {
			r = -errno;
			errbuf_errno(err, r, "cannot lease block %s", name);
			break;
		}
		if (block_owner(dfd, index, &holder) == 0 && holder == owner) {
			*ret_index = index;
			r = 0;
			break;
		}
	}
	unlinkat(dfd, tmp, 0);
	if (r == -ENOSPC) {
		char pbuf[ADDR_PREFIX_STRLEN];

		errbuf_set(err, "pool %s is full: all %" PRIu64 " blocks of /%u are leased",
			   addr_prefix_format(pool, pbuf, sizeof(pbuf)), n, block_len);
	}
	return r;
}

int lease_get(const struct uns_paths *p, const struct addr_prefix *pool, unsigned int block_len,
	      owner_t owner, const char *owner_name, bool allocate_new,
	      struct addr_prefix *ret_block, struct errbuf *err)
{
	char path[PATH_MAX], name[32], buf[32], who[OWNER_STRLEN];
	uint64_t index;
	int dfd, r;

	if (addr_block_count(pool, block_len) == 0) {
		errbuf_set(err, "a /%u block does not fit its pool", block_len);
		return -EINVAL;
	}
	r = open_pool_dir(p, pool, block_len, allocate_new, &dfd, path, sizeof(path), err);
	if (r < 0)
		return r;

	/* The common path: one index file and one block file, no lock. */
	r = lookup(dfd, pool, block_len, owner, &index);
	if (r == 0)
		goto found;
	if (r != -ENOENT && r != -EBADMSG) {
		errbuf_errno(err, r, "cannot read the lease of %s in %s",
			     owner_describe(owner, who, sizeof(who)), path);
		goto out;
	}
	if (!allocate_new) {
		r = -ENOENT;
		goto out;
	}

	r = allocate(dfd, pool, block_len, owner, owner_name, &index, err);
	if (r == 0) {
		int n = snprintf(buf, sizeof(buf), "%" PRIu64 "\n", index);

		index_name(owner, name, sizeof(name));
		r = util_write_atomic(dfd, name, buf, (size_t)n, 0600, UTIL_SYNC_DATA);
		if (r < 0)
			errbuf_errno(err, r, "cannot write %s/%s", path, name);
		else
			r = fault_err("lease.indexed", err);
		/*
		 * The data of the block file and of the index are synced
		 * before their names appear, and one flush of the directory
		 * makes both names durable together: three syncs per new
		 * lease, not five.  Lost in a crash before it, the claim goes
		 * with the namespace it was for.
		 */
		if (r == 0 && fsync(dfd) < 0)
			r = errbuf_errno(err, -errno, "cannot flush %s", path);
	}
	if (r < 0)
		goto out;
found:
	r = addr_block_nth(pool, block_len, index, ret_block);
out:
	close(dfd);
	return r;
}

int lease_release(const struct uns_paths *p, const struct addr_prefix *pool, unsigned int block_len,
		  owner_t owner, const struct addr_prefix *block, struct errbuf *err)
{
	char path[PATH_MAX], name[32];
	uint64_t index;
	int dfd, r;

	r = open_pool_dir(p, pool, block_len, false, &dfd, path, sizeof(path), err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = lookup(dfd, pool, block_len, owner, &index);
	/* Without a readable index, the block the caller found (cleanup). */
	if (r < 0 && block && addr_block_index(pool, block, &index) == 0) {
		owner_t holder;

		r = block_owner(dfd, index, &holder) == 0 && holder == owner ? 0 : -ENOENT;
	}
	if (r == 0) {
		snprintf(name, sizeof(name), "%" PRIu64, index);
		if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT) {
			r = -errno;
			errbuf_errno(err, r, "cannot remove %s/%s", path, name);
			goto out;
		}
	}
	/* The index goes last: a crash in between is seen as no lease. */
	index_name(owner, name, sizeof(name));
	if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT) {
		r = -errno;
		errbuf_errno(err, r, "cannot remove %s/%s", path, name);
		goto out;
	}
	r = fsync(dfd) < 0 ? -errno : 0;
out:
	close(dfd);
	return r;
}

/* "10.200.0.0_16_30" back into a pool and a block size. */
static int parse_pool_dirname(const char *s, struct addr_prefix *pool, unsigned int *block_len)
{
	char buf[ADDR_PREFIX_STRLEN + 16], *u1, *u2;
	unsigned long bl;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	u2 = strrchr(buf, '_');
	if (!u2)
		return -EINVAL;
	*u2++ = '\0';
	u1 = strrchr(buf, '_');
	if (!u1)
		return -EINVAL;
	*u1 = '/';
	if (addr_prefix_parse(buf, AF_UNSPEC, false, pool, NULL) < 0 ||
	    util_parse_ulong(u2, &bl) < 0 || bl > 128)
		return -EINVAL;
	*block_len = (unsigned int)bl;
	return 0;
}

int lease_foreach(const struct uns_paths *p, lease_visit_fn fn, void *data, struct errbuf *err)
{
	char path[PATH_MAX];
	struct dirent *pe;
	DIR *top;
	int r = 0;

	snprintf(path, sizeof(path), "%s/leases", p->statedir);
	top = opendir(path);
	if (!top) {
		if (errno == ENOENT)
			return 0;
		return errbuf_errno(err, -errno, "cannot open %s", path);
	}
	while (r == 0 && (pe = readdir(top))) {
		struct lease_entry e = { 0 };
		struct dirent *be;
		DIR *pool;
		int dfd;

		if (pe->d_name[0] == '.' ||
		    parse_pool_dirname(pe->d_name, &e.pool, &e.block_len) < 0)
			continue;
		dfd = openat(dirfd(top), pe->d_name,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dfd < 0)
			continue;
		pool = fdopendir(dfd);
		if (!pool) {
			close(dfd);
			continue;
		}
		while (r == 0 && (be = readdir(pool))) {
			unsigned long index;
			char buf[512];

			if (util_parse_ulong(be->d_name, &index) < 0)
				continue;
			if (util_read_small(dirfd(pool), be->d_name, buf, sizeof(buf)) < 0 ||
			    parse_block_file(buf, &e.owner, e.name, sizeof(e.name)) < 0 ||
			    addr_block_nth(&e.pool, e.block_len, index, &e.block) < 0)
				continue;
			r = fn(&e, data);
		}
		closedir(pool);
	}
	closedir(top);
	return r;
}
