/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "usernetns/fault.h"
#include "usernetns/session.h"
#include "usernetns/shield.h"

/*
 * A process's start time (field 22 of /proc/PID/stat, in clock ticks since
 * boot): with the pid it names one process, even after pid reuse.
 */
static int process_start_time(pid_t pid, uint64_t *ret)
{
	unsigned long long start = 0;
	int r = util_process_start_time(pid, &start);

	if (r == 0)
		*ret = start;
	return r;
}

static int open_owner_dir(const struct uns_paths *p, owner_t owner, bool create, int *ret_fd,
			  struct errbuf *err)
{
	char path[PATH_MAX], name[OWNER_STRLEN];
	int r;

	snprintf(path, sizeof(path), "%s/sessions/%s", p->runstatedir,
		 owner_file_name(owner, name, sizeof(name)));
	r = util_open_dir(path, false, 0, ret_fd);
	if (r == -ENOENT && create) {
		/* Sessions name pids and services: root's eyes only, all the way. */
		char parent[PATH_MAX];

		r = util_mkdir_mode(path, 0700);
		if (r == -ENOENT) {
			snprintf(parent, sizeof(parent), "%s/sessions", p->runstatedir);
			r = util_mkdir_p(parent, 0700);
			if (r == 0)
				r = util_mkdir_mode(path, 0700);
		}
		if (r == 0)
			r = util_open_dir(path, false, 0, ret_fd);
	}
	if (r < 0 && r != -ENOENT)
		return errbuf_errno(err, r, "cannot open %s", path);
	return r;
}

/*
 * Is the process the record at dfd/name names still alive?  For whom was
 * it opened (*ret_uid, (uid_t)-1 in records older than groups)?
 */
/* The number after key ("pid=") in a record's text, at most max. */
static int record_number(const char *text, const char *key, uint64_t max, uint64_t *ret)
{
	const char *s = strstr(text, key), *end;
	int r;

	if (!s)
		return -ENOENT;
	r = util_parse_decimal(s + strlen(key), max, ret, &end);
	return r < 0 || *end == '\n' || *end == '\0' ? r : -EINVAL;
}

static bool session_alive(int dfd, const char *name, uid_t *ret_uid)
{
	uint64_t pid, start, uid, now;
	char buf[512];

	if (util_read_small(dfd, name, buf, sizeof(buf)) < 0)
		return false;
	if (ret_uid)
		*ret_uid = record_number(buf, "\nuid=", POLICY_UID_MAX, &uid) == 0 ? (uid_t)uid :
										     (uid_t)-1;
	if (record_number(buf, "pid=", INT32_MAX, &pid) < 0 || pid == 0 ||
	    record_number(buf, "start=", UINT64_MAX, &start) < 0)
		return false;
	return process_start_time((pid_t)pid, &now) == 0 && now == start;
}

struct count {
	bool prune;
	size_t live;
};

static int count_one(int dfd, const char *name, void *data)
{
	struct count *c = data;

	/* ".ID.tmp": a write that a crash interrupted. */
	if (name[0] == '.') {
		if (c->prune)
			unlinkat(dfd, name, 0);
	} else if (session_alive(dfd, name, NULL)) {
		c->live++;
	} else if (c->prune) {
		unlinkat(dfd, name, 0);
	}
	return 0;
}

static int count_locked(int dfd, bool prune, size_t *ret_live)
{
	struct count c = { .prune = prune };
	int r = util_dir_foreach(dfd, count_one, &c);

	if (r < 0)
		return r;
	*ret_live = c.live;
	return 0;
}

int session_count(const struct uns_paths *p, owner_t owner, bool prune, size_t *ret_live,
		  struct errbuf *err)
{
	char who[OWNER_STRLEN];
	int dfd, r;

	r = open_owner_dir(p, owner, false, &dfd, err);
	if (r == -ENOENT) {
		*ret_live = 0;
		return 0;
	}
	if (r < 0)
		return r;
	r = count_locked(dfd, prune, ret_live);
	close(dfd);
	if (r < 0)
		return errbuf_errno(err, r, "cannot list the sessions of %s",
				    owner_describe(owner, who, sizeof(who)));
	return r;
}

int session_owners(const struct uns_paths *p, owner_t **ret, size_t *ret_n, struct errbuf *err)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/sessions", p->runstatedir);
	return owner_list_path(path, ret, ret_n, err);
}

struct members {
	struct session_member *v;
	size_t n, max;
};

static int member_one(int dfd, const char *name, void *data)
{
	struct members *m = data;
	size_t k;
	uid_t uid;

	if (name[0] == '.' || !session_alive(dfd, name, &uid))
		return 0;
	for (k = 0; k < m->n && m->v[k].uid != uid; k++)
		;
	if (k == m->n) {
		if (m->n == m->max)
			return 0; /* the first max members only */
		m->v[m->n++] = (struct session_member){ .uid = uid };
	}
	m->v[k].sessions++;
	return 0;
}

int session_members(const struct uns_paths *p, owner_t owner, struct session_member *ret,
		    size_t max, size_t *ret_n, struct errbuf *err)
{
	struct members m = { .v = ret, .max = max };
	int dfd, r;

	*ret_n = 0;
	r = open_owner_dir(p, owner, false, &dfd, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = util_dir_foreach(dfd, member_one, &m);
	close(dfd);
	if (r < 0)
		return errbuf_errno(err, r, "cannot list sessions");
	*ret_n = m.n;
	return 0;
}

static int write_session(const struct uns_paths *p, owner_t owner, uid_t uid, pid_t pid,
			 const char *service, char *id, size_t size, struct errbuf *err)
{
	char content[256], path[PATH_MAX], dir[OWNER_STRLEN];
	uint64_t start = 0, rnd = 0;
	int dfd, fd, n, r;

	r = process_start_time(pid, &start);
	if (r < 0)
		return errbuf_errno(err, r, "cannot read the start time of process %ld", (long)pid);
	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
		rnd = (uint64_t)time(NULL) ^ ((uint64_t)pid << 32);
	snprintf(id, size, "%ld-%016" PRIx64, (long)pid, rnd);
	n = snprintf(content, sizeof(content),
		     "pid=%ld\nstart=%" PRIu64 "\nservice=%s\nopened=%lld\nuid=%lu\n", (long)pid,
		     start, service ? service : "", (long long)time(NULL), (unsigned long)uid);
	if (n < 0 || (size_t)n >= sizeof(content))
		return -ENAMETOOLONG;

	/*
	 * Written in place under the owner's lock (ids are new names): what
	 * reads a session file to act on it holds that lock too; a count
	 * without it (usernetns-list) may miss a session being written.
	 */
	snprintf(path, sizeof(path), "%s/sessions/%s/%s", p->runstatedir,
		 owner_file_name(owner, dir, sizeof(dir)), id);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == ENOENT) {
		r = open_owner_dir(p, owner, true, &dfd, err);
		if (r < 0)
			return r;
		close(dfd);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	}
	if (fd < 0)
		return errbuf_errno(err, -errno, "cannot record the session");
	/* Root's eyes only, whatever the umask. */
	r = fchmod(fd, 0600) < 0 ? -errno : 0;
	if (r == 0)
		r = write(fd, content, (size_t)n) == n ? 0 : errno ? -errno : -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r < 0) {
		unlink(path);
		return errbuf_errno(err, r, "cannot record the session");
	}
	return 0;
}

static int remove_session(const struct uns_paths *p, owner_t owner, const char *id)
{
	struct errbuf ignored;
	int dfd, r;

	/* Ids are ours ("PID-HEX"); refuse anything that could be a path. */
	if (!id[0] || strchr(id, '/') || id[0] == '.')
		return -EINVAL;
	r = open_owner_dir(p, owner, false, &dfd, &ignored);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	r = unlinkat(dfd, id, 0) < 0 && errno != ENOENT ? -errno : 0;
	close(dfd);
	return r;
}

/*
 * ---- under the owner's lock (shield_run_locked()) ---------------------------
 *
 * Every member's login waits for a group's lock, and the process that
 * calls us (su, a helper) may be stopped by its user: a group's work runs
 * where no user can stop it (include/usernetns/shield.h).  A user's own
 * lock blocks only that user, and is taken right here.
 */

struct call {
	const struct uns_paths *p;
	const struct plan *plan;
	owner_t owner;
	pid_t pid;
	const char *service, *id;
	bool undo_namespace;
	enum policy_teardown teardown;
	unsigned int flags, lock_timeout_ms;
};

static int open_locked(void *data, void *out, int *ret_fd, struct errbuf *err)
{
	const struct call *c = data;
	const struct plan *plan = c->plan;
	struct session_open_result res = { 0 };
	int r;

	r = ensure_netns_locked(c->p, plan, c->lock_timeout_ms, &res.ensure, err);
	if (r < 0)
		return r;
	r = write_session(c->p, plan->owner, plan->uid, c->pid, c->service, res.id, sizeof(res.id),
			  err);
	if (r == 0) {
		r = fault_err("session.recorded", err);
		if (r < 0)
			remove_session(c->p, plan->owner, res.id);
	}
	if (r < 0) {
		struct errbuf ignored;

		/* A failed login leaves nothing it made behind. */
		close(res.ensure.netns_fd);
		if (res.ensure.changes & ENSURE_CREATED)
			ensure_remove_locked(c->p, plan->owner, 0, NULL, &ignored);
		return r;
	}
	*(struct session_open_result *)out = res;
	*ret_fd = res.ensure.netns_fd;
	return 0;
}

static int abort_locked(void *data, void *out, int *ret_fd, struct errbuf *err)
{
	const struct call *c = data;
	struct errbuf ignored;
	size_t live = 0;
	int r;

	r = remove_session(c->p, c->owner, c->id);
	if (r < 0)
		errbuf_errno(err, r, "cannot remove session %s", c->id);
	else if (c->undo_namespace && session_count(c->p, c->owner, true, &live, &ignored) == 0 &&
		 live == 0)
		ensure_remove_locked(c->p, c->owner, 0, NULL, &ignored);
	return r;
}

/*
 * Remove the owner's namespace, under the lock, and say how it went in
 * res: processes inside or nothing to remove are outcomes, not errors.
 */
static int remove_namespace(const struct uns_paths *p, owner_t owner, unsigned int flags,
			    struct session_close_result *res, struct errbuf *err)
{
	struct ensure_removal gone = { 0 };
	int r = ensure_remove_locked(p, owner, flags, &gone, err);

	res->busy_pid = gone.busy_pid;
	memcpy(res->uncounted, gone.uncounted, sizeof(res->uncounted));

	if (r == 0) {
		res->outcome = SESSION_REMOVED;
	} else if (r == -EBUSY && res->busy_pid > 0) {
		/* Processes inside; a kernel's EBUSY is an error like others. */
		res->outcome = SESSION_BUSY;
		r = 0;
	} else if (r == -ENOENT) {
		res->outcome = SESSION_NOTHING;
		r = 0;
	}
	return r;
}

static int close_locked(void *data, void *out, int *ret_fd, struct errbuf *err)
{
	const struct call *c = data;
	struct session_close_result res = { 0 };
	int r;

	if (c->id) {
		r = remove_session(c->p, c->owner, c->id);
		if (r < 0)
			return errbuf_errno(err, r, "cannot remove session %s", c->id);
		r = fault_err("session.removed", err);
		if (r < 0)
			return r;
	}
	r = session_count(c->p, c->owner, true, &res.live, err);
	if (r < 0)
		return r;
	if (res.live > 0)
		res.outcome = SESSION_OTHERS_REMAIN;
	else if (c->teardown == POLICY_TEARDOWN_NEVER)
		res.outcome = SESSION_KEPT;
	else
		r = remove_namespace(c->p, c->owner, 0, &res, err);
	if (r == 0)
		*(struct session_close_result *)out = res;
	return r;
}

static int reap_locked(void *data, void *out, int *ret_fd, struct errbuf *err)
{
	const struct call *c = data;
	struct session_close_result res = { 0 };
	int r;

	r = session_count(c->p, c->owner, true, &res.live, err);
	if (r < 0)
		return r;
	if (res.live > 0 && !(c->flags & ENSURE_REMOVE_FORCE))
		res.outcome = SESSION_OTHERS_REMAIN;
	else
		r = remove_namespace(c->p, c->owner, c->flags, &res, err);
	if (r == 0)
		*(struct session_close_result *)out = res;
	return r;
}

int session_open(const struct uns_paths *p, const struct plan *plan, pid_t pid, const char *service,
		 unsigned int lock_timeout_ms, struct session_open_result *ret, struct errbuf *err)
{
	struct call c = { .p = p,
			  .plan = plan,
			  .pid = pid,
			  .service = service,
			  .lock_timeout_ms = lock_timeout_ms };
	int fd, r;

	r = ensure_begin(p, plan, lock_timeout_ms, err);
	if (r < 0)
		return r;
	r = shield_run_locked(p, plan->owner, lock_timeout_ms, open_locked, &c, ret, sizeof(*ret),
			      &fd, err);
	if (r == 0 && fd < 0) {
		struct errbuf ignored;

		/* Recorded, but unusable here: undo it as a failed login. */
		session_abort(p, plan->owner, ret->id, ret->ensure.changes & ENSURE_CREATED,
			      lock_timeout_ms, &ignored);
		errbuf_set(err, "the namespace of %s did not come back from its maker",
			   plan->owner_name);
		return -EPROTO;
	}
	if (r == 0)
		ret->ensure.netns_fd = fd;
	return r;
}

int session_abort(const struct uns_paths *p, owner_t owner, const char *id, bool undo_namespace,
		  unsigned int lock_timeout_ms, struct errbuf *err)
{
	struct call c = { .p = p, .owner = owner, .id = id, .undo_namespace = undo_namespace };

	return shield_run_locked(p, owner, lock_timeout_ms, abort_locked, &c, NULL, 0, NULL, err);
}

int session_close(const struct uns_paths *p, owner_t owner, const char *id,
		  enum policy_teardown teardown, unsigned int lock_timeout_ms,
		  struct session_close_result *ret, struct errbuf *err)
{
	struct call c = { .p = p, .owner = owner, .id = id, .teardown = teardown };

	return shield_run_locked(p, owner, lock_timeout_ms, close_locked, &c, ret, sizeof(*ret),
				 NULL, err);
}

int session_reap(const struct uns_paths *p, owner_t owner, unsigned int flags,
		 unsigned int lock_timeout_ms, struct session_close_result *ret, struct errbuf *err)
{
	struct call c = { .p = p, .owner = owner, .flags = flags };

	return shield_run_locked(p, owner, lock_timeout_ms, reap_locked, &c, ret, sizeof(*ret),
				 NULL, err);
}
