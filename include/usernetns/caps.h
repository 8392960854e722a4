/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capabilities of the helpers (libcap-ng).  A helper gets its
 * capabilities from file capabilities, in the permitted set only; it
 * raises them into the effective set around the calls that need them and
 * lowers them again, and drops every set before it runs a command.
 * Nothing here is used by the PAM module, which runs with root's own.
 */
#ifndef USERNETNS_CAPS_H
#define USERNETNS_CAPS_H

#include <stdbool.h>
#include <stddef.h>

#include "usernetns/util.h"

/* A set of capabilities, by number (CAP_*), ending in -1. */
#define CAPS_END (-1)

/*
 * Check that every capability of want is permitted, and start with an
 * empty effective set.  On failure, -EPERM with an actionable message:
 * which capabilities are missing and the likely reason (no file
 * capabilities on the binary, or no_new_privs set by the caller).
 */
int caps_init(const char *prog, const int *want, struct errbuf *err);

/*
 * Read this process's capabilities again: libcap-ng keeps them for the
 * process that read them, and a forked child must, before changing its own.
 */
int caps_reload(void);

/* Raise want (permitted) into the effective set / empty it again. */
int caps_raise(const int *want, struct errbuf *err);
int caps_lower(void);

/*
 * Make the filesystem uid and gid root (or the caller's again), so that
 * the state files written by a helper belong to root like those the PAM
 * module writes.  Needs CAP_SETUID and CAP_SETGID permitted.
 */
int caps_fs_root(bool on, struct errbuf *err);

/*
 * Drop every capability: effective, permitted, inheritable and ambient;
 * then no privilege can come back in this process or what it executes.
 */
int caps_drop_all(struct errbuf *err);

/*
 * Keep cap, which must be permitted, across the next execve() (inheritable
 * and ambient): for a child about to run a program with it.
 */
int caps_pass_on(int cap, struct errbuf *err);

/* "cap_sys_admin,cap_net_admin" for messages and setcap(8). */
void caps_format(const int *caps, char *buf, size_t size);

#endif
