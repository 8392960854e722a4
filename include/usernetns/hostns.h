/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The host's network namespace, where host ends go and from where
 * namespaces are made and removed: going there from wherever the caller
 * is (perhaps inside one of ours), and coming back, as iproute2's
 * netns_save() and netns_restore() do around a command.
 */
#ifndef USERNETNS_HOSTNS_H
#define USERNETNS_HOSTNS_H

#include "usernetns/netns-id.h"
#include "usernetns/paths.h"
#include "usernetns/util.h"

/* Where a thread was: an fd of its network namespace, and which it is. */
struct hostns_saved {
	int fd; /* -1: nothing saved */
	struct netns_id id;
};

/*
 * Keep the namespace the calling thread is in, to come back to
 * (hostns_restore()).  ret->fd is the caller's: hostns_saved_close().
 * On failure ret->fd is -1.
 */
int hostns_save(struct hostns_saved *ret, struct errbuf *err);

/*
 * Move the calling thread into the host's network namespace; it stays
 * where it is when it is there already.  The host is the caller's own
 * namespace, unless the caller is inside a namespace usernetns made (a
 * login from a user's shell, or a logout after the login moved the
 * process), whose record then names the host.  That one is reached
 * through /proc/1/ns/net when it is init's, or through hint (NULL: none),
 * a namespace the caller saved (the PAM module keeps the one the process
 * was in before it placed the session), when it is that one.  -EXDEV
 * when the host cannot be reached.
 */
int hostns_enter(const struct uns_paths *p, const struct hostns_saved *hint, struct errbuf *err);

/*
 * Back to the namespace of s, if the thread is elsewhere (as far as
 * /proc/thread-self tells).  -errno of netns_enter() when it cannot go.
 */
int hostns_restore(const struct hostns_saved *s, struct errbuf *err);

/* Close what hostns_save() kept (nothing if it kept nothing). */
void hostns_saved_close(struct hostns_saved *s);

#endif
