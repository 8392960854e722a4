/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "usernetns/hostns.h"
#include "usernetns/netns.h"
#include "usernetns/state.h"

#define THREAD_NETNS "/proc/thread-self/ns/net"

int hostns_save(struct hostns_saved *ret, struct errbuf *err)
{
	int r;

	ret->fd = open(THREAD_NETNS, O_RDONLY | O_CLOEXEC);
	if (ret->fd < 0)
		return errbuf_errno(err, -errno, "cannot open " THREAD_NETNS);
	r = netns_id_of_fd(ret->fd, &ret->id);
	if (r < 0) {
		hostns_saved_close(ret);
		return errbuf_errno(err, r, "cannot identify the current network namespace");
	}
	return 0;
}

int hostns_restore(const struct hostns_saved *s, struct errbuf *err)
{
	struct netns_id now;

	if (netns_current(&now) < 0 || netns_id_equal(&now, &s->id))
		return 0;
	return netns_enter(s->fd, &s->id, err);
}

void hostns_saved_close(struct hostns_saved *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/*
 * The host's network namespace: see hostns_enter().  Returns an fd of it
 * (-1 when we are in it already) and its identity, and the current
 * namespace's; -EXDEV when it cannot be reached.
 */
static int find_host(const struct uns_paths *p, int hint_fd, int *ret_fd, struct netns_id *ret_id,
		     struct netns_id *ret_now, struct errbuf *err)
{
	struct netns_id now, init_ns, host;
	owner_t *owners = NULL;
	size_t n = 0;
	bool inside = false;
	int fd, r;

	r = netns_current(&now);
	if (r < 0)
		return errbuf_errno(err, r, "cannot identify the current network namespace");
	*ret_now = now;
	/* The common case costs one stat: we are where init is (no fd needed). */
	if (netns_id_of_path("/proc/1/ns/net", &init_ns) == 0 && netns_id_equal(&now, &init_ns)) {
		*ret_fd = -1;
		*ret_id = now;
		return 0;
	}
	/*
	 * A helper may not look at init's namespace (PID 1 has capabilities
	 * the helper gave up): where a record says the host is answers the
	 * common case in a read or two, not one of every record.
	 */
	if (state_some_host(p, &host) == 0 && netns_id_equal(&now, &host)) {
		*ret_fd = -1;
		*ret_id = now;
		return 0;
	}
	fd = open("/proc/1/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && netns_id_of_fd(fd, &init_ns) < 0) {
		close(fd);
		fd = -1;
	}

	/* Elsewhere: inside one of ours, or in a namespace of the admin's. */
	r = state_list(p, &owners, &n, err);
	for (size_t i = 0; r == 0 && i < n && !inside; i++) {
		struct state_record rec;
		struct errbuf ignored;

		if (state_read(p, owners[i], &rec, &ignored) == 0 &&
		    netns_id_equal(&rec.id, &now) && (rec.host_id.ino || rec.host_id.dev)) {
			inside = true;
			host = rec.host_id;
		}
	}
	free(owners);
	if (r < 0)
		goto fail;
	if (!inside) {
		if (fd >= 0)
			close(fd);
		fd = open(THREAD_NETNS, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return errbuf_errno(err, -errno, "cannot open " THREAD_NETNS);
		*ret_fd = fd;
		*ret_id = now;
		return 0;
	}
	if (fd >= 0 && netns_id_equal(&init_ns, &host)) {
		*ret_fd = fd;
		*ret_id = host;
		return 0;
	}
	/*
	 * A login service outside init's namespace (systemd's
	 * NetworkNamespacePath=, ip netns exec mgmt sshd): the caller may
	 * still hold the namespace it came from.
	 */
	if (hint_fd >= 0) {
		struct netns_id hint;

		if (netns_id_of_fd(hint_fd, &hint) == 0 && netns_id_equal(&hint, &host)) {
			if (fd >= 0)
				close(fd);
			fd = fcntl(hint_fd, F_DUPFD_CLOEXEC, 3);
			if (fd < 0)
				return errbuf_errno(err, -errno, "cannot duplicate a namespace fd");
			*ret_fd = fd;
			*ret_id = host;
			return 0;
		}
	}
	errbuf_set(
		err,
		"called inside a usernetns namespace whose host namespace is neither init's nor the caller's own; cannot reach it");
	r = -EXDEV;
	goto fail;
fail:
	if (fd >= 0)
		close(fd);
	return r;
}

int hostns_enter(const struct uns_paths *p, const struct hostns_saved *hint, struct errbuf *err)
{
	struct netns_id host, now;
	int fd, r;

	r = find_host(p, hint ? hint->fd : -1, &fd, &host, &now, err);
	if (r < 0)
		return r;
	if (!netns_id_equal(&now, &host))
		r = netns_enter(fd, &host, err);
	if (fd >= 0)
		close(fd);
	return r;
}
