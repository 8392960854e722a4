/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Named network namespaces, as ip-netns(8) makes them: an nsfs bind mount
 * on a file under the run dir (/run/netns), which itself is a shared
 * mount so that unmounting a name reaches every mount namespace.
 */
#ifndef USERNETNS_NETNS_H
#define USERNETNS_NETNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "usernetns/netns-id.h"
#include "usernetns/util.h"

enum netns_state {
	NETNS_ABSENT,	   /* no such name */
	NETNS_MOUNTED,	   /* a network namespace is mounted there */
	NETNS_PLACEHOLDER, /* an empty file with nothing mounted on it */
	NETNS_FOREIGN,	   /* anything else: not ours to touch */
};

/* The longest a creation waits for iproute2's flock of the run dir. */
#define NETNS_RUNDIR_LOCK_MS 1000u

/*
 * Make the run dir as iproute2 does: create it (0755), and make it a
 * shared mount, bind-mounting it on itself first if it is not a mount
 * point.  Only that first time is iproute2's flock of the directory
 * taken, and waited for at most NETNS_RUNDIR_LOCK_MS (or lock_timeout_ms
 * if less); a holder that keeps it longer does not stop us.  Returns an
 * O_PATH fd of the directory.
 */
int netns_rundir_prepare(const char *rundir, unsigned int lock_timeout_ms, int *ret_dirfd,
			 struct errbuf *err);

/*
 * Look at rundir/name.  For NETNS_MOUNTED, *ret_fd (if not NULL) gets an
 * fd of the namespace and *ret_id its identity; the name was verified to
 * be an nsfs mount (fstatfs) of a network namespace (NS_GET_NSTYPE).
 */
int netns_open(const char *rundir, const char *name, enum netns_state *ret_state, int *ret_fd,
	       struct netns_id *ret_id, struct errbuf *err);

/*
 * Is the namespace id still mounted as name in the run dir (rundir_dfd,
 * O_PATH will do)?  One fstatat(), no open: for surveys of thousands.  nsfs inode numbers are unique among
 * live namespaces, so a match is the very namespace id names; anything
 * else (false) is for netns_open() to judge.
 */
bool netns_mounted_as(int rundir_dfd, const char *name, const struct netns_id *id);

/* Called inside the new namespace, before the thread returns to its own. */
typedef int (*netns_inside_fn)(void *data, struct errbuf *err);

/*
 * Create rundir/name: a new network namespace, bind-mounted on an O_EXCL
 * placeholder.  The calling thread unshares into the new namespace, runs
 * inside (may be NULL) there, and returns to its own namespace; on any
 * failure the placeholder is removed again.  -EEXIST if the name exists.
 * lock_timeout_ms bounds the wait for the run dir's lock (see above).
 * An error from returning to the original namespace is -ENOTRECOVERABLE:
 * the thread is then stuck in the new namespace and must not go on.
 */
int netns_create(const char *rundir, const char *name, unsigned int lock_timeout_ms,
		 netns_inside_fn inside, void *data, int *ret_fd, struct netns_id *ret_id,
		 struct errbuf *err);

/* Unmount (lazily, as ip netns del does) and unlink rundir/name. */
int netns_remove(const char *rundir, const char *name, struct errbuf *err);

/* Unlink a placeholder (an empty regular file, not a mount). */
int netns_remove_placeholder(const char *rundir, const char *name, struct errbuf *err);

/* Identity of an fd that refers to a namespace. */
int netns_id_of_fd(int fd, struct netns_id *ret);

/* Identity of the namespace a path (such as /proc/PID/ns/net) names. */
int netns_id_of_path(const char *path, struct netns_id *ret);

/* Identity of the calling thread's network namespace. */
int netns_current(struct netns_id *ret);

/*
 * Move the calling thread into the namespace of fd and verify, through
 * /proc/thread-self/ns/net, that it is now in expect.
 */
int netns_enter(int fd, const struct netns_id *expect, struct errbuf *err);

/*
 * What "ip netns exec NAME" does after setns(), for a process that is
 * about to run a command there: a private mount namespace (slave to the
 * host's), /sys mounted afresh so that /sys/class/net shows the
 * namespace's links, and each file of /etc/netns/NAME/ bind-mounted over
 * its namesake in /etc.  Needs CAP_SYS_ADMIN.
 */
int netns_exec_prepare(const char *name, struct errbuf *err);

/*
 * Run fn with the calling thread inside the namespace of fd, then return
 * it to its own.  -ENOTRECOVERABLE as for netns_create().
 */
int netns_run_in(int fd, netns_inside_fn fn, void *data, struct errbuf *err);

/*
 * Count the processes with a task (any thread) in the network namespace
 * id, scanning /proc: a thread may be elsewhere than its leader, and a
 * leader that exited before its threads shows no namespace at all.
 * *ret_first gets one of them, or 0.  *ret_hidden counts the processes
 * with a task whose namespace could not be read: a caller without
 * CAP_SYS_PTRACE sees only its own, and must not conclude that nobody is
 * inside.  -ENOMEM, or -errno of opening /proc.
 */
int netns_count_processes(const struct netns_id *id, size_t *ret_n, pid_t *ret_first,
			  size_t *ret_hidden);

/* Up to max pids of the processes in id, for messages. */
int netns_list_pids(const struct netns_id *id, pid_t *ret, size_t max, size_t *ret_n);

/*
 * Processes per namespace, from one pass over /proc: a process counts
 * once in each namespace one of its tasks is in.
 */
struct netns_census_entry {
	struct netns_id id;
	size_t n;
};

struct netns_census {
	struct netns_census_entry *v;
	size_t n;
	size_t hidden; /* processes with a task whose namespace was not readable */
};

int netns_census_take(struct netns_census *ret);
/* The number of processes in id (0 when none were seen). */
size_t netns_census_count(const struct netns_census *c, const struct netns_id *id);
void netns_census_free(struct netns_census *c);

#endif
