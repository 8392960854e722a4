/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "usernetns/fault.h"
#include "usernetns/limits.h"
#include "usernetns/state.h"

#define RECORD_VERSION 1
#define RECORD_MAX 2048

static int open_subdir(const struct uns_paths *p, const char *sub, mode_t mode, bool create,
		       int *ret_fd, struct errbuf *err)
{
	char path[PATH_MAX];
	int r;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", p->runstatedir, sub) >= sizeof(path)) {
		errbuf_set(err, "path %s/%s is too long", p->runstatedir, sub);
		return -ENAMETOOLONG;
	}
	r = util_open_dir(path, create, mode, ret_fd);
	if (r < 0 && (r != -ENOENT || create))
		errbuf_errno(err, r, "cannot open %s", path);
	return r;
}

int state_lock(const struct uns_paths *p, owner_t owner, unsigned int timeout_ms, int *ret_fd,
	       struct errbuf *err)
{
	char name[OWNER_STRLEN], who[OWNER_STRLEN], path[PATH_MAX];
	int dfd, fd, r;

	owner_file_name(owner, name, sizeof(name));
	owner_describe(owner, who, sizeof(who));
	/*
	 * The directory is root's (0700, in root's run state dir): opened by
	 * its path, one system call where a directory fd would take three.
	 */
	snprintf(path, sizeof(path), "%s/locks/%s", p->runstatedir, name);
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == ENOENT) {
		r = open_subdir(p, "locks", 0700, true, &dfd, err);
		if (r < 0)
			return r;
		fd = openat(dfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		r = -errno;
		close(dfd);
		errno = -r;
	}
	if (fd < 0)
		return errbuf_errno(err, -errno, "cannot open the lock of %s", who);
	/* Whatever the umask of whoever made it first: root's, 0600. */
	(void)fchmod(fd, 0600);
	r = util_flock_timeout(fd, LOCK_EX, timeout_ms);
	if (r < 0) {
		if (r == -ETIMEDOUT)
			errbuf_set(
				err,
				"gave up after %u ms waiting for another login of %s to finish (lock %s/locks/%s)",
				timeout_ms, who, p->runstatedir, name);
		else
			errbuf_errno(err, r, "cannot lock %s", who);
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

static size_t put_addr(char *buf, size_t size, const char *key, const struct addr_prefix *a)
{
	char tmp[ADDR_PREFIX_STRLEN];

	if (!addr_prefix_is_set(a))
		return 0;
	return (size_t)snprintf(buf, size, "%s=%s\n", key, addr_prefix_format(a, tmp, sizeof(tmp)));
}

static const char *state_phase_name(enum state_phase phase)
{
	switch (phase) {
	case STATE_CREATING:
		return "creating";
	case STATE_READY:
		return "ready";
	case STATE_REMOVING:
		return "removing";
	}
	return "?";
}

int state_format(const struct state_record *rec, char *buf, size_t size)
{
	char key[OWNER_STRLEN];
	size_t n;

	n = (size_t)snprintf(buf, size,
			     "version=%d\n"
			     "%s\n"
			     "%s=%s\n"
			     "netns=%s\n"
			     "mode=%s\n"
			     "phase=%s\n"
			     "netns_dev=%" PRIu64 "\n"
			     "netns_ino=%" PRIu64 "\n"
			     "host_netns_dev=%" PRIu64 "\n"
			     "host_netns_ino=%" PRIu64 "\n"
			     "created=%" PRIu64 "\n",
			     RECORD_VERSION, owner_key(rec->owner, key, sizeof(key)),
			     owner_is_group(rec->owner) ? "group" : "user", rec->name, rec->netns,
			     policy_mode_to_string(rec->mode), state_phase_name(rec->phase),
			     rec->id.dev, rec->id.ino, rec->host_id.dev, rec->host_id.ino,
			     rec->created);
	if (n < size && rec->host_ifname[0])
		n += (size_t)snprintf(buf + n, size - n,
				      "host_ifname=%s\nhost_ifindex=%d\n"
				      "peer_ifname=%s\npeer_ifindex=%d\n",
				      rec->host_ifname, rec->host_ifindex, rec->peer_ifname,
				      rec->peer_ifindex);
	if (n < size && rec->host_side[0])
		n += (size_t)snprintf(buf + n, size - n, "host_side=%s\n", rec->host_side);
	if (n < size && rec->dns[0])
		n += (size_t)snprintf(buf + n, size - n, "dns=%s\n", rec->dns);
	if (n < size && rec->table_digest)
		n += (size_t)snprintf(buf + n, size - n, "table=%016" PRIx64 "/%" PRIu32 "\n",
				      rec->table_digest, rec->table_gen);
	if (n < size && rec->hostname[0])
		n += (size_t)snprintf(buf + n, size - n, "hostname=%s\n", rec->hostname);
	if (n < size && (rec->rate_out || rec->rate_in))
		n += (size_t)snprintf(buf + n, size - n,
				      "rate_out=%" PRIu64 "\nrate_in=%" PRIu64 "\nburst=%" PRIu32
				      "\n",
				      rec->rate_out, rec->rate_in, rec->burst);
	if (n < size && rec->counted_ifindex)
		n += (size_t)snprintf(buf + n, size - n,
				      "counted=%d/%" PRIu64 "/%" PRIu64 "/%" PRIu64 "/%" PRIu64
				      "/%" PRIu64 "\n",
				      rec->counted_ifindex, rec->counted.sent_bytes,
				      rec->counted.received_bytes, rec->counted.sent_packets,
				      rec->counted.received_packets, rec->counted.refused_packets);
	if (n < size && rec->netns_unlisted)
		n += (size_t)snprintf(buf + n, size - n, "netns_unlisted=yes\n");
	if (n < size)
		n += put_addr(buf + n, size - n, "host4", &rec->host4);
	if (n < size)
		n += put_addr(buf + n, size - n, "peer4", &rec->peer4);
	if (n < size)
		n += put_addr(buf + n, size - n, "host6", &rec->host6);
	if (n < size)
		n += put_addr(buf + n, size - n, "peer6", &rec->peer6);
	if (n >= size)
		return -ENOBUFS;
	return (int)n;
}

static int parse_u64(const char *v, uint64_t *ret)
{
	return util_parse_decimal(v, UINT64_MAX, ret, NULL);
}

/* "IFINDEX/SENT_BYTES/RECEIVED_BYTES/SENT_PACKETS/RECEIVED_PACKETS/REFUSED_PACKETS" */
static int parse_counted(const char *v, struct state_record *rec)
{
	uint64_t *field[] = { &rec->counted.sent_bytes, &rec->counted.received_bytes,
			      &rec->counted.sent_packets, &rec->counted.received_packets,
			      &rec->counted.refused_packets };
	uint64_t ifindex;
	const char *end;
	int r = util_parse_decimal(v, INT32_MAX, &ifindex, &end);

	for (size_t i = 0; r == 0 && i < ELEMENTSOF(field); i++)
		r = *end != '/' ? -EINVAL :
				  util_parse_decimal(end + 1, UINT64_MAX, field[i],
						     i + 1 < ELEMENTSOF(field) ? &end : NULL);
	if (r == 0)
		rec->counted_ifindex = (int)ifindex;
	return r;
}

/* "DIGEST/GENERATION": the digest in 16 hexadecimal digits, the generation in decimal. */
static int parse_table(const char *v, struct state_record *rec)
{
	const char *slash = strchr(v, '/');
	uint64_t digest = 0, gen;

	if (!slash || slash - v != 16)
		return -EINVAL;
	for (const char *p = v; p < slash; p++) {
		int d = *p >= '0' && *p <= '9' ? *p - '0' :
			*p >= 'a' && *p <= 'f' ? *p - 'a' + 10 :
						 -1;

		if (d < 0)
			return -EINVAL;
		digest = digest << 4 | (uint64_t)d;
	}
	if (parse_u64(slash + 1, &gen) < 0 || gen > UINT32_MAX)
		return -EINVAL;
	rec->table_digest = digest;
	rec->table_gen = (uint32_t)gen;
	return 0;
}

static int parse_str(const char *v, char *dst, size_t size)
{
	if (strlen(v) >= size)
		return -EINVAL;
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int parse_addr(const char *v, struct addr_prefix *ret)
{
	return addr_prefix_parse(v, AF_UNSPEC, true, ret, NULL);
}

static int parse_field(struct state_record *rec, const char *key, const char *v, unsigned int *seen)
{
	uint64_t x;
	int r = 0;

	if (streq(key, "version")) {
		r = parse_u64(v, &x);
		if (r == 0 && x != RECORD_VERSION)
			r = -EPROTO;
	} else if (streq(key, "uid") || streq(key, "gid")) {
		r = parse_u64(v, &x);
		if (r == 0 && x > POLICY_UID_MAX)
			r = -EINVAL;
		rec->owner = streq(key, "gid") ? owner_group((gid_t)x) : owner_user((uid_t)x);
		*seen |= 1;
	} else if (streq(key, "user") || streq(key, "group")) {
		r = parse_str(v, rec->name, sizeof(rec->name));
	} else if (streq(key, "netns")) {
		r = parse_str(v, rec->netns, sizeof(rec->netns));
		*seen |= 2;
	} else if (streq(key, "mode")) {
		r = policy_mode_from_string(v, &rec->mode);
	} else if (streq(key, "phase")) {
		if (streq(v, "ready"))
			rec->phase = STATE_READY;
		else if (streq(v, "removing"))
			rec->phase = STATE_REMOVING;
		else if (streq(v, "creating"))
			rec->phase = STATE_CREATING;
		else
			r = -EINVAL;
	} else if (streq(key, "netns_dev")) {
		r = parse_u64(v, &rec->id.dev);
	} else if (streq(key, "netns_ino")) {
		r = parse_u64(v, &rec->id.ino);
	} else if (streq(key, "host_netns_dev")) {
		r = parse_u64(v, &rec->host_id.dev);
	} else if (streq(key, "host_netns_ino")) {
		r = parse_u64(v, &rec->host_id.ino);
	} else if (streq(key, "created")) {
		r = parse_u64(v, &rec->created);
	} else if (streq(key, "host_ifname")) {
		r = parse_str(v, rec->host_ifname, sizeof(rec->host_ifname));
	} else if (streq(key, "peer_ifname")) {
		r = parse_str(v, rec->peer_ifname, sizeof(rec->peer_ifname));
	} else if (streq(key, "host_ifindex")) {
		r = parse_u64(v, &x);
		rec->host_ifindex = (int)x;
	} else if (streq(key, "peer_ifindex")) {
		r = parse_u64(v, &x);
		rec->peer_ifindex = (int)x;
	} else if (streq(key, "host_side")) {
		r = parse_str(v, rec->host_side, sizeof(rec->host_side));
	} else if (streq(key, "dns")) {
		r = parse_str(v, rec->dns, sizeof(rec->dns));
	} else if (streq(key, "table")) {
		r = parse_table(v, rec);
	} else if (streq(key, "hostname")) {
		r = parse_str(v, rec->hostname, sizeof(rec->hostname));
	} else if (streq(key, "netns_unlisted")) {
		rec->netns_unlisted = streq(v, "yes");
		r = rec->netns_unlisted ? 0 : -EINVAL;
	} else if (streq(key, "counted")) {
		r = parse_counted(v, rec);
	} else if (streq(key, "rate_out")) {
		r = parse_u64(v, &rec->rate_out);
	} else if (streq(key, "rate_in")) {
		r = parse_u64(v, &rec->rate_in);
	} else if (streq(key, "burst")) {
		r = util_parse_decimal(v, UINT32_MAX, &x, NULL);
		rec->burst = (uint32_t)x;
	} else if (streq(key, "host4")) {
		r = parse_addr(v, &rec->host4);
	} else if (streq(key, "peer4")) {
		r = parse_addr(v, &rec->peer4);
	} else if (streq(key, "host6")) {
		r = parse_addr(v, &rec->host6);
	} else if (streq(key, "peer6")) {
		r = parse_addr(v, &rec->peer6);
	}
	/* Unknown keys: written by a newer version, safe to ignore. */
	return r;
}

int state_parse(const char *text, struct state_record *ret)
{
	struct state_record rec = { .phase = STATE_CREATING };
	unsigned int seen = 0;
	char line[512];

	for (const char *s = text; *s;) {
		size_t n = strcspn(s, "\n");
		char *eq;
		int r;

		if (n >= sizeof(line))
			return -EBADMSG;
		memcpy(line, s, n);
		line[n] = '\0';
		s += n + (s[n] == '\n');
		if (n == 0)
			continue;
		eq = strchr(line, '=');
		if (!eq)
			return -EBADMSG;
		*eq = '\0';
		r = parse_field(&rec, line, eq + 1, &seen);
		if (r == -EPROTO)
			return r;
		if (r < 0)
			return -EBADMSG;
	}
	if (seen != 3)
		return -EBADMSG;
	*ret = rec;
	return 0;
}

int state_open_records(const struct uns_paths *p, int *ret_dfd, struct errbuf *err)
{
	return open_subdir(p, "users", 0700, false, ret_dfd, err);
}

struct some_host {
	const struct uns_paths *p;
	struct netns_id id;
	unsigned int tries;
};

static int some_host_one(int dfd, const char *name, void *data)
{
	struct some_host *h = data;
	struct state_record rec;
	struct errbuf ignored;
	owner_t owner;

	if (owner_parse_file_name(name, &owner) < 0 ||
	    state_read_at(h->p, dfd, owner, &rec, &ignored) < 0)
		return 0;
	if (rec.host_id.dev || rec.host_id.ino) {
		h->id = rec.host_id;
		return 1;
	}
	/* Records still being made name none yet: a few more, not all. */
	return ++h->tries == 8 ? -ENOENT : 0;
}

int state_some_host(const struct uns_paths *p, struct netns_id *ret)
{
	struct some_host h = { .p = p };
	struct errbuf ignored;
	int dfd, r;

	r = state_open_records(p, &dfd, &ignored);
	if (r < 0)
		return r;
	r = util_dir_foreach(dfd, some_host_one, &h);
	close(dfd);
	if (r <= 0)
		return r < 0 ? r : -ENOENT;
	*ret = h.id;
	return 0;
}

int state_read(const struct uns_paths *p, owner_t owner, struct state_record *ret,
	       struct errbuf *err)
{
	return state_read_at(p, -1, owner, ret, err);
}

int state_read_at(const struct uns_paths *p, int records_dfd, owner_t owner,
		  struct state_record *ret, struct errbuf *err)
{
	char buf[RECORD_MAX], name[OWNER_STRLEN], who[OWNER_STRLEN], path[PATH_MAX];
	int r;

	owner_file_name(owner, name, sizeof(name));
	/* By its path (a directory of root's): one open, not three calls. */
	snprintf(path, sizeof(path), "%s/users/%s", p->runstatedir, name);
	r = util_read_small(records_dfd >= 0 ? records_dfd : AT_FDCWD,
			    records_dfd >= 0 ? name : path, buf, sizeof(buf));
	if (r == -ENOENT)
		return r;
	if (r < 0)
		return errbuf_errno(err, r, "cannot read the record of %s",
				    owner_describe(owner, who, sizeof(who)));
	r = state_parse(buf, ret);
	if (r == 0 && ret->owner != owner)
		r = -EBADMSG;
	if (r < 0) {
		errbuf_set(err, "the record %s/users/%s is corrupt or of another version",
			   p->runstatedir, name);
		return -EBADMSG;
	}
	return 0;
}

int state_write(const struct uns_paths *p, const struct state_record *rec, struct errbuf *err)
{
	char buf[RECORD_MAX], name[OWNER_STRLEN], who[OWNER_STRLEN];
	int dfd, n, r;

	n = state_format(rec, buf, sizeof(buf));
	if (n < 0) {
		errbuf_set(err, "record of %s too large",
			   owner_describe(rec->owner, who, sizeof(who)));
		return n;
	}
	r = fault_err("state.write", err);
	if (r < 0)
		return r;
	r = open_subdir(p, "users", 0700, true, &dfd, err);
	if (r < 0)
		return r;
	owner_file_name(rec->owner, name, sizeof(name));
	/*
	 * /run does not survive a crash of the machine: no fsync needed.
	 * Root's eyes only, as the directory: usernetns-list shows users
	 * their own only.
	 */
	r = util_write_atomic(dfd, name, buf, (size_t)n, 0600, 0);
	close(dfd);
	if (r < 0)
		errbuf_errno(err, r, "cannot write %s/users/%s", p->runstatedir, name);
	return r;
}

int state_remove(const struct uns_paths *p, owner_t owner, struct errbuf *err)
{
	char name[OWNER_STRLEN];
	int dfd, r;

	r = open_subdir(p, "users", 0700, false, &dfd, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	owner_file_name(owner, name, sizeof(name));
	r = unlinkat(dfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	close(dfd);
	if (r < 0)
		errbuf_errno(err, r, "cannot remove %s/users/%s", p->runstatedir, name);
	return r;
}

int state_list(const struct uns_paths *p, owner_t **ret, size_t *ret_n, struct errbuf *err)
{
	char path[PATH_MAX];

	*ret = NULL;
	*ret_n = 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/users", p->runstatedir) >= sizeof(path)) {
		errbuf_set(err, "path %s/users is too long", p->runstatedir);
		return -ENAMETOOLONG;
	}
	return owner_list_path(path, ret, ret_n, err);
}
