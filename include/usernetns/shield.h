/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Work its caller's user cannot stop.  A lock that other users wait for
 * (a group's, include/usernetns/owner.h) must never be held by a process
 * one user controls: su, a helper, anything started from a terminal can
 * be stopped by its user (SIGSTOP, or ^Z through the terminal), and
 * every other member's login would wait for it.  shield_run() does such
 * work in a child whose uids are all root, in a session of its own and
 * not dumpable: its user can neither signal, stop nor trace it, and the
 * terminal's job control does not reach it.  The child's result, its
 * error message, a block of plain data and at most one fd come back over
 * a socket pair.
 */
#ifndef USERNETNS_SHIELD_H
#define USERNETNS_SHIELD_H

#include <stddef.h>

#include "usernetns/owner.h"
#include "usernetns/paths.h"
#include "usernetns/util.h"

/*
 * fn runs in the child with data; it fills out[0..out_size) and may set
 * *ret_fd (else leaves it -1), and returns 0 or -errno with err set.
 */
typedef int (*shield_fn)(void *data, void *out, int *ret_fd, struct errbuf *err);

/*
 * Run fn in a shielded child and wait for it.  The caller must be able
 * to become root (root, set-user-ID root, or CAP_SETUID and CAP_SETGID
 * permitted).  Returns fn's result, with out and *ret_fd (-1 if none)
 * filled; -ECHILD with a message if the child died without answering.
 * The wait is bounded by fn's own (a lock timeout), not here.  A
 * multi-threaded caller (a service of root's; users' su and helpers have
 * one thread) runs fn itself: a forked child of it could deadlock.
 */
int shield_run(shield_fn fn, void *data, void *out, size_t out_size, int *ret_fd,
	       struct errbuf *err);

/*
 * Work under the lock of owner, the one way it is done: take the lock
 * (waiting at most lock_timeout_ms, state_lock()), run fn, close the
 * lock.  A group's lock, which every member waits for, is held only in a
 * shielded child (shield_run()); a user's own is taken right here.  fn
 * writes out only when it succeeds (out stays as it was otherwise).  An
 * fd fn passes back goes to *ret_fd (-1 if none; ret_fd may be NULL when
 * the caller wants none), and is closed when the call fails.
 */
int shield_run_locked(const struct uns_paths *p, owner_t owner, unsigned int lock_timeout_ms,
		      shield_fn fn, void *data, void *out, size_t out_size, int *ret_fd,
		      struct errbuf *err);

#endif
