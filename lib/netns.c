/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "usernetns/fault.h"
#include "usernetns/netns.h"

#define THREAD_NETNS "/proc/thread-self/ns/net"

static int netns_path(const char *rundir, const char *name, char *buf, size_t size,
		      struct errbuf *err)
{
	if ((size_t)snprintf(buf, size, "%s/%s", rundir, name) >= size) {
		errbuf_set(err, "namespace path %s/%s is too long", rundir, name);
		return -ENAMETOOLONG;
	}
	return 0;
}

/*
 * Make rundir a mount point of its own (a bind mount on itself), shared.
 * Called under iproute2's flock of the directory, when we could get it.
 */
static int rundir_make_shared_mount(const char *rundir, struct errbuf *err)
{
	bool made_mount = false;

	/*
	 * Shared, so that names made later reach every mount namespace.  Not
	 * recursively: a mount made under a shared mount joins its peer
	 * group anyway, and MS_REC would visit every name already there on
	 * every login (thousands, on a big host).
	 */
	while (mount("", rundir, "none", MS_SHARED, NULL) < 0) {
		if (errno != EINVAL || made_mount)
			return errbuf_errno(err, -errno, "cannot make %s a shared mount", rundir);
		/* Not a mount point yet: make it one. */
		if (mount(rundir, rundir, "none", MS_BIND | MS_REC, NULL) < 0)
			return errbuf_errno(err, -errno, "cannot bind-mount %s on itself", rundir);
		made_mount = true;
	}
	return 0;
}

int netns_rundir_prepare(const char *rundir, unsigned int lock_timeout_ms, int *ret_dirfd,
			 struct errbuf *err)
{
	unsigned int wait_ms =
		lock_timeout_ms < NETNS_RUNDIR_LOCK_MS ? lock_timeout_ms : NETNS_RUNDIR_LOCK_MS;
	int fd, r;

	r = util_mkdir_mode(rundir, 0755);
	if (r < 0)
		return errbuf_errno(err, r, "cannot create %s", rundir);
	/*
	 * The usual case, every login after the first since boot: already a
	 * mount point, and making it shared again changes nothing.  No lock:
	 * the directory is world-readable, so anybody can flock it, and a
	 * login must not wait on that.
	 */
	if (mount("", rundir, "none", MS_SHARED, NULL) < 0) {
		if (errno != EINVAL)
			return errbuf_errno(err, -errno, "cannot make %s a shared mount", rundir);
		fd = open(rundir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			return errbuf_errno(err, -errno, "cannot open %s", rundir);
		/*
		 * The first namespace since boot: serialise with other
		 * creators, ip netns add among them, which flock the directory
		 * for the few system calls this takes; two self-binds at once
		 * would stack.  A holder that keeps the lock longer than a
		 * moment is stuck or hostile (any user may take it): then go
		 * on without it.  The worst a real race can do is stack two
		 * working mounts.
		 */
		r = util_flock_timeout(fd, LOCK_EX, wait_ms);
		if (r < 0 && r != -ETIMEDOUT) {
			errbuf_errno(err, r, "cannot lock %s", rundir);
			close(fd);
			return r;
		}
		r = fault_err("netns.rundir", err);
		if (r == 0)
			r = rundir_make_shared_mount(rundir, err);
		/* Closing the fd releases the lock, if we got it. */
		close(fd);
		if (r < 0)
			return r;
	}
	/* The directory on top, now that it may have been bind-mounted. */
	fd = open(rundir, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errbuf_errno(err, -errno, "cannot open %s", rundir);
	*ret_dirfd = fd;
	return 0;
}

int netns_id_of_fd(int fd, struct netns_id *ret)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	ret->dev = st.st_dev;
	ret->ino = st.st_ino;
	return 0;
}

int netns_id_of_path(const char *path, struct netns_id *ret)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	ret->dev = st.st_dev;
	ret->ino = st.st_ino;
	return 0;
}

int netns_current(struct netns_id *ret)
{
	return netns_id_of_path(THREAD_NETNS, ret);
}

/* Is fd a network namespace (and not some other file or namespace)? */
static bool fd_is_netns(int fd)
{
	struct statfs sfs;

	if (fstatfs(fd, &sfs) < 0 || sfs.f_type != NSFS_MAGIC)
		return false;
	return ioctl(fd, NS_GET_NSTYPE) == CLONE_NEWNET;
}

int netns_open(const char *rundir, const char *name, enum netns_state *ret_state, int *ret_fd,
	       struct netns_id *ret_id, struct errbuf *err)
{
	char path[PATH_MAX];
	struct stat st;
	int fd, r;

	r = netns_path(rundir, name, path, sizeof(path), err);
	if (r < 0)
		return r;
	/* O_NONBLOCK: a FIFO planted under the name must not block us. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		if (r == -ENOENT) {
			*ret_state = NETNS_ABSENT;
			return 0;
		}
		if (r == -ELOOP || r == -ENXIO) {
			*ret_state = NETNS_FOREIGN;
			return 0;
		}
		/*
		 * A mounted namespace reads as 0444: what we may not open is
		 * the file beneath, such as the mode 0 placeholder ip(8) makes.
		 */
		if (r == -EACCES && lstat(path, &st) == 0) {
			*ret_state = S_ISREG(st.st_mode) && st.st_size == 0 ? NETNS_PLACEHOLDER :
									      NETNS_FOREIGN;
			return 0;
		}
		return errbuf_errno(err, r, "cannot open %s", path);
	}
	if (fd_is_netns(fd)) {
		if (ret_id) {
			r = netns_id_of_fd(fd, ret_id);
			if (r < 0) {
				errbuf_errno(err, r, "cannot stat %s", path);
				close(fd);
				return r;
			}
		}
		*ret_state = NETNS_MOUNTED;
		if (ret_fd)
			*ret_fd = fd;
		else
			close(fd);
		return 0;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
		*ret_state = NETNS_PLACEHOLDER;
	else
		*ret_state = NETNS_FOREIGN;
	close(fd);
	return 0;
}

bool netns_mounted_as(int rundir_dfd, const char *name, const struct netns_id *id)
{
	struct stat st;

	/* The mount is crossed with or without following symlinks. */
	return fstatat(rundir_dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_dev == id->dev &&
	       st.st_ino == id->ino;
}

/* Return the thread to orig; failing that, it must not go on. */
static int restore_netns(int orig, struct errbuf *err)
{
	if (setns(orig, CLONE_NEWNET) < 0) {
		errbuf_errno(err, -errno, "cannot return to the original network namespace");
		return -ENOTRECOVERABLE;
	}
	return 0;
}

int netns_create(const char *rundir, const char *name, unsigned int lock_timeout_ms,
		 netns_inside_fn inside, void *data, int *ret_fd, struct netns_id *ret_id,
		 struct errbuf *err)
{
	char path[PATH_MAX];
	int dirfd = -1, fd = -1, orig = -1, nsfd = -1, r;
	bool mounted = false;

	r = netns_path(rundir, name, path, sizeof(path), err);
	if (r < 0)
		return r;
	r = netns_rundir_prepare(rundir, lock_timeout_ms, &dirfd, err);
	if (r < 0)
		return r;

	/* The placeholder: it also claims the name against other creators. */
	fd = openat(dirfd, name, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0) {
		r = -errno;
		errbuf_errno(err, r, "cannot create namespace file \"%s\"", path);
		close(dirfd);
		return r;
	}
	close(fd);
	r = fault_err("netns.placeholder", err);
	if (r < 0)
		goto fail;

	orig = open(THREAD_NETNS, O_RDONLY | O_CLOEXEC);
	if (orig < 0) {
		r = -errno;
		errbuf_errno(err, r, "cannot open %s", THREAD_NETNS);
		goto fail;
	}
	r = fault_err("netns.unshare", err);
	if (r < 0)
		goto fail;
	if (unshare(CLONE_NEWNET) < 0) {
		r = -errno;
		errbuf_errno(err, r, "failed to create a new network namespace \"%s\"", name);
		goto fail;
	}
	r = fault_err("netns.mount", err);
	if (r < 0)
		goto fail_restore;
	if (mount(THREAD_NETNS, path, "none", MS_BIND, NULL) < 0) {
		r = -errno;
		errbuf_errno(err, r, "bind %s -> %s failed", THREAD_NETNS, path);
		goto fail_restore;
	}
	mounted = true;
	r = fault_err("netns.mounted", err);
	if (r < 0)
		goto fail_restore;
	nsfd = open(THREAD_NETNS, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0) {
		r = -errno;
		errbuf_errno(err, r, "cannot open %s", THREAD_NETNS);
		goto fail_restore;
	}
	if (inside) {
		r = inside(data, err);
		if (r == 0)
			r = fault_err("netns.inside", err);
		if (r < 0)
			goto fail_restore;
	}
	r = restore_netns(orig, err);
	if (r < 0)
		goto fail_stuck;
	close(orig);
	close(dirfd);

	if (ret_id) {
		r = netns_id_of_fd(nsfd, ret_id);
		if (r < 0) {
			errbuf_errno(err, r, "cannot stat %s", path);
			close(nsfd);
			netns_remove(rundir, name, NULL);
			return r;
		}
	}
	if (ret_fd)
		*ret_fd = nsfd;
	else
		close(nsfd);
	return 0;

fail_restore:
	if (restore_netns(orig, NULL) < 0) {
		r = -ENOTRECOVERABLE;
		errbuf_errno(err, -errno, "cannot return to the original network namespace");
		goto fail_stuck;
	}
fail:
	if (nsfd >= 0)
		close(nsfd);
	if (orig >= 0)
		close(orig);
	if (mounted)
		umount2(path, MNT_DETACH);
	unlinkat(dirfd, name, 0);
	close(dirfd);
	return r;

fail_stuck:
	/* Leave the name: the next login repairs it, and we cannot trust much. */
	if (nsfd >= 0)
		close(nsfd);
	close(orig);
	close(dirfd);
	return r;
}

int netns_remove(const char *rundir, const char *name, struct errbuf *err)
{
	char path[PATH_MAX];
	int r;

	r = netns_path(rundir, name, path, sizeof(path), err);
	if (r == 0)
		r = fault_err("netns.umount", err);
	if (r < 0)
		return r;
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return errbuf_errno(err, -errno, "cannot umount namespace file \"%s\"", path);
	r = fault_err("netns.unmounted", err);
	if (r < 0)
		return r;
	if (unlink(path) < 0 && errno != ENOENT)
		return errbuf_errno(err, -errno, "cannot remove namespace file \"%s\"", path);
	return 0;
}

int netns_remove_placeholder(const char *rundir, const char *name, struct errbuf *err)
{
	char path[PATH_MAX];
	int r;

	r = netns_path(rundir, name, path, sizeof(path), err);
	if (r < 0)
		return r;
	if (unlink(path) < 0 && errno != ENOENT)
		return errbuf_errno(err, -errno, "cannot remove placeholder \"%s\"", path);
	return 0;
}

int netns_enter(int fd, const struct netns_id *expect, struct errbuf *err)
{
	struct netns_id now;
	int r;

	if (setns(fd, CLONE_NEWNET) < 0)
		return errbuf_errno(err, -errno, "setns");
	r = netns_current(&now);
	if (r < 0)
		return errbuf_errno(err, r, "cannot verify the namespace entered: %s",
				    THREAD_NETNS);
	if (!netns_id_equal(&now, expect)) {
		errbuf_set(err, "entered network namespace %llu, not %llu as expected",
			   (unsigned long long)now.ino, (unsigned long long)expect->ino);
		return -EIO;
	}
	return 0;
}

/* Bind /etc/netns/NAME/ENTRY over /etc/ENTRY for each entry there. */
static int bind_etc(const char *name, struct errbuf *err)
{
	char dir[NAME_MAX + 16], src[2 * NAME_MAX + 32], dst[NAME_MAX + 16];
	struct dirent *e;
	DIR *d;
	int r = 0;

	if (strlen(name) > NAME_MAX)
		return -ENAMETOOLONG;
	snprintf(dir, sizeof(dir), "/etc/netns/%s", name);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		if (streq(e->d_name, ".") || streq(e->d_name, ".."))
			continue;
		snprintf(src, sizeof(src), "%s/%s", dir, e->d_name);
		snprintf(dst, sizeof(dst), "/etc/%s", e->d_name);
		/* As ip(8): a file with no counterpart in /etc is skipped. */
		if (access(dst, F_OK) < 0)
			continue;
		if (mount(src, dst, "none", MS_BIND, NULL) < 0) {
			r = -errno;
			errbuf_errno(err, r, "bind %s -> %s failed", src, dst);
			break;
		}
	}
	closedir(d);
	return r;
}

int netns_exec_prepare(const char *name, struct errbuf *err)
{
	unsigned long flags = 0;
	struct statvfs sv;

	if (unshare(CLONE_NEWNS) < 0)
		return errbuf_errno(err, -errno, "unshare failed");
	/* Mounts made here must not propagate back to the host. */
	if (mount("", "/", "none", MS_SLAVE | MS_REC, NULL) < 0)
		return errbuf_errno(err, -errno, "\"mount --make-rslave /\" failed");
	/* A /sys for this namespace; read-only if the old one was. */
	if (statvfs("/sys", &sv) == 0 && (sv.f_flag & ST_RDONLY))
		flags = MS_RDONLY;
	if (umount2("/sys", MNT_DETACH) < 0 && errno != EINVAL)
		return errbuf_errno(err, -errno, "umount of /sys failed");
	if (mount(name, "/sys", "sysfs", flags, NULL) < 0)
		return errbuf_errno(err, -errno, "mount of /sys failed");
	return bind_etc(name, err);
}

int netns_run_in(int fd, netns_inside_fn fn, void *data, struct errbuf *err)
{
	int orig, r, r2;

	orig = open(THREAD_NETNS, O_RDONLY | O_CLOEXEC);
	if (orig < 0)
		return errbuf_errno(err, -errno, "cannot open %s", THREAD_NETNS);
	if (setns(fd, CLONE_NEWNET) < 0) {
		r = -errno;
		errbuf_errno(err, r, "setns");
		close(orig);
		return r;
	}
	r = fn(data, err);
	r2 = restore_netns(orig, r < 0 ? NULL : err);
	close(orig);
	return r2 < 0 ? r2 : r;
}

/*
 * Which processes are in a namespace: every task counts.  setns() and
 * unshare() move the calling thread only, so a thread may be elsewhere
 * than its leader; and a leader that called pthread_exit() has no
 * namespace to show (its /proc/PID/ns/net is gone, ENOENT) while its
 * threads run on.  Listing /proc/PID/task of every process costs nearly
 * three times a look at the leader alone, so the tasks are listed only
 * for a process with more than one: /proc/PID/task counts them in its
 * link count, 2 + the number of tasks (proc_task_getattr() in
 * fs/proc/base.c), a leader that exited before its threads included.
 * Any other count, or none, gets the full look.
 */
#define PROC_TASK_NLINK_ONE 3

/* The namespaces of one process's tasks, each once. */
struct proc_netns {
	struct netns_id *v;
	size_t n, cap;
	bool unseen; /* a task whose namespace we may not read */
};

static int proc_netns_add(struct proc_netns *p, const struct stat *st)
{
	struct netns_id id = { st->st_dev, st->st_ino }, *v;

	for (size_t i = 0; i < p->n; i++)
		if (netns_id_equal(&p->v[i], &id))
			return 0;
	v = util_grow(p->v, &p->cap, p->n + 1, sizeof(*v), 8);
	if (!v)
		return -ENOMEM;
	p->v = v;
	p->v[p->n++] = id;
	return 0;
}

/* A namespace link that cannot be read: gone (exiting), or not ours to see. */
static void proc_netns_missed(struct proc_netns *p, int error)
{
	if (error == EACCES || error == EPERM)
		p->unseen = true;
}

static int read_tasks(int procfd, const char *taskdir, struct proc_netns *p)
{
	struct dirent *e;
	int fd, r = 0;
	DIR *d;

	fd = openat(procfd, taskdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			p->unseen = true;
		return 0; /* ENOENT: gone since readdir() of /proc */
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		p->unseen = true;
		return 0;
	}
	while (r == 0) {
		char path[sizeof(e->d_name) + 8];
		struct stat st;

		errno = 0;
		e = readdir(d);
		if (!e) {
			/* ENOENT: the process ended while listed. */
			if (errno && errno != ENOENT)
				p->unseen = true;
			break;
		}
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "%s/ns/net", e->d_name);
		if (fstatat(dirfd(d), path, &st, 0) < 0)
			proc_netns_missed(p, errno);
		else
			r = proc_netns_add(p, &st);
	}
	closedir(d);
	return r;
}

/* The namespaces of the tasks of the process /proc/name. */
static int read_process(int procfd, const char *name, struct proc_netns *p)
{
	char path[NAME_MAX + 16];
	struct stat st, task;
	int leader_errno;

	p->n = 0;
	p->unseen = false;
	snprintf(path, sizeof(path), "%s/ns/net", name);
	leader_errno = fstatat(procfd, path, &st, 0) < 0 ? errno : 0;
	/*
	 * The count after the leader: a lone task now was the leader then,
	 * unless it took the leader's place by execve() in between (there is
	 * no snapshot of /proc: a process that forks or execs while it is
	 * read can slip by).
	 */
	snprintf(path, sizeof(path), "%s/task", name);
	if (fstatat(procfd, path, &task, 0) == 0 && task.st_nlink == PROC_TASK_NLINK_ONE) {
		if (leader_errno == 0)
			return proc_netns_add(p, &st);
		proc_netns_missed(p, leader_errno);
		return 0;
	}
	return read_tasks(procfd, path, p);
}

/*
 * Call fn once for each namespace a process has a task in; count the
 * processes with a task whose namespace could not be read.
 */
static int scan_proc(void (*fn)(const struct netns_id *id, pid_t pid, void *data), void *data,
		     size_t *ret_hidden)
{
	struct proc_netns p = { 0 };
	struct dirent *e;
	size_t hidden = 0;
	int r = 0;
	DIR *d;

	d = opendir("/proc");
	if (!d)
		return -errno;
	while (r == 0 && (e = readdir(d))) {
		uint64_t pid;

		if (e->d_name[0] < '1' || e->d_name[0] > '9' ||
		    util_parse_decimal(e->d_name, INT32_MAX, &pid, NULL) < 0)
			continue;
		r = read_process(dirfd(d), e->d_name, &p);
		hidden += p.unseen;
		for (size_t i = 0; r == 0 && i < p.n; i++)
			fn(&p.v[i], (pid_t)pid, data);
	}
	closedir(d);
	free(p.v);
	if (r == 0)
		*ret_hidden = hidden;
	return r;
}

struct count_ctx {
	const struct netns_id *id;
	size_t n;
	pid_t first;
};

static void count_one(const struct netns_id *id, pid_t pid, void *data)
{
	struct count_ctx *c = data;

	if (netns_id_equal(id, c->id)) {
		if (!c->first)
			c->first = pid;
		c->n++;
	}
}

int netns_count_processes(const struct netns_id *id, size_t *ret_n, pid_t *ret_first,
			  size_t *ret_hidden)
{
	struct count_ctx c = { .id = id };
	size_t hidden;
	int r;

	r = scan_proc(count_one, &c, &hidden);
	if (r < 0)
		return r;
	*ret_n = c.n;
	if (ret_first)
		*ret_first = c.first;
	if (ret_hidden)
		*ret_hidden = hidden;
	return 0;
}

struct pids_ctx {
	const struct netns_id *id;
	pid_t *v;
	size_t max, n;
};

static void pids_one(const struct netns_id *id, pid_t pid, void *data)
{
	struct pids_ctx *c = data;

	if (netns_id_equal(id, c->id) && c->n < c->max)
		c->v[c->n++] = pid;
}

int netns_list_pids(const struct netns_id *id, pid_t *ret, size_t max, size_t *ret_n)
{
	struct pids_ctx c = { .id = id, .v = ret, .max = max };
	size_t hidden;
	int r;

	r = scan_proc(pids_one, &c, &hidden);
	if (r == 0)
		*ret_n = c.n;
	return r;
}

struct census_ctx {
	struct netns_census *c;
	size_t cap;
	bool oom;
};

static void census_one(const struct netns_id *id, pid_t pid, void *data)
{
	struct census_ctx *x = data;
	struct netns_census *c = x->c;
	struct netns_census_entry *v;

	(void)pid;
	if (x->oom)
		return;
	v = util_grow(c->v, &x->cap, c->n + 1, sizeof(*v), 256);
	if (!v) {
		x->oom = true;
		return;
	}
	c->v = v;
	c->v[c->n++] = (struct netns_census_entry){
		.id = *id,
		.n = 1,
	};
}

static int census_compare(const void *a, const void *b)
{
	const struct netns_id *x = &((const struct netns_census_entry *)a)->id;
	const struct netns_id *y = &((const struct netns_census_entry *)b)->id;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

int netns_census_take(struct netns_census *ret)
{
	struct netns_census c = { 0 };
	struct census_ctx x = { .c = &c };
	size_t out = 0;
	int r;

	r = scan_proc(census_one, &x, &c.hidden);
	if (r == 0 && x.oom)
		r = -ENOMEM;
	if (r < 0) {
		free(c.v);
		return r;
	}
	/* One entry per process so far: sort, then fold equal ones. */
	if (c.n > 1)
		qsort(c.v, c.n, sizeof(*c.v), census_compare);
	for (size_t i = 0; i < c.n; i++) {
		if (out > 0 && netns_id_equal(&c.v[out - 1].id, &c.v[i].id))
			c.v[out - 1].n++;
		else
			c.v[out++] = c.v[i];
	}
	c.n = out;
	*ret = c;
	return 0;
}

size_t netns_census_count(const struct netns_census *c, const struct netns_id *id)
{
	struct netns_census_entry key = { .id = *id };
	const struct netns_census_entry *e;

	if (c->n == 0)
		return 0;
	e = bsearch(&key, c->v, c->n, sizeof(*c->v), census_compare);
	return e ? e->n : 0;
}

void netns_census_free(struct netns_census *c)
{
	free(c->v);
	*c = (struct netns_census){ 0 };
}
