/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "usernetns/netns.h"
#include "usernetns/ours.h"

int ours_netns(const char *rundir, int rundir_dfd, const char *name, const struct state_record *rec,
	       struct ours_found *ret, int *ret_fd, struct errbuf *err)
{
	bool made = rec && state_phase_made(rec->phase);
	struct ours_found f = { .verdict = OURS_FOREIGN };
	enum netns_state state;
	int fd = -1, r;

	if (made && !ret_fd && rundir_dfd >= 0 && netns_mounted_as(rundir_dfd, name, &rec->id)) {
		state = NETNS_MOUNTED; /* the common case, without opening it */
		f.id = rec->id;
	} else {
		r = netns_open(rundir, name, &state, ret_fd ? &fd : NULL, &f.id, err);
		if (r < 0)
			return r;
	}
	switch (state) {
	case NETNS_ABSENT:
		f.verdict = OURS_MISSING;
		break;
	case NETNS_PLACEHOLDER:
		f.verdict = OURS_PLACEHOLDER;
		break;
	case NETNS_FOREIGN:
		f.verdict = OURS_FOREIGN;
		break;
	case NETNS_MOUNTED:
		f.mounted = true;
		if (made && netns_id_equal(&rec->id, &f.id))
			f.verdict = OURS_ACTIVE;
		else if (rec && rec->phase == STATE_CREATING)
			f.verdict = OURS_UNFINISHED;
		else
			f.verdict = OURS_FOREIGN;
		break;
	}
	if (fd >= 0 && f.verdict != OURS_ACTIVE && f.verdict != OURS_UNFINISHED) {
		close(fd);
		fd = -1;
	}
	if (ret_fd)
		*ret_fd = fd;
	*ret = f;
	return 0;
}

const char *ours_netns_to_string(enum ours_netns v)
{
	switch (v) {
	case OURS_ACTIVE:
		return "active";
	case OURS_UNFINISHED:
		return "unfinished";
	case OURS_MISSING:
		return "missing";
	case OURS_PLACEHOLDER:
		return "placeholder";
	case OURS_FOREIGN:
		return "foreign";
	}
	return "?";
}

#define HOST_ALIAS_PREFIX "usernetns "

void ours_host_alias(owner_t owner, char *buf, size_t size)
{
	char key[OWNER_STRLEN];

	snprintf(buf, size, HOST_ALIAS_PREFIX "%s", owner_key(owner, key, sizeof(key)));
}

bool ours_host_link(const struct rtnl_link *l, owner_t *ret_owner)
{
	size_t n = strlen(HOST_ALIAS_PREFIX);
	const char *end;
	owner_t owner;

	if (!streq(l->kind, "veth") || strncmp(l->alias, HOST_ALIAS_PREFIX, n) != 0 ||
	    owner_parse_key(l->alias + n, &owner, &end) < 0 || *end)
		return false;
	if (ret_owner)
		*ret_owner = owner;
	return true;
}

bool ours_host_link_of(const struct rtnl_link *l, owner_t owner)
{
	owner_t marked;

	return ours_host_link(l, &marked) && marked == owner;
}

bool ours_link_pair(const struct rtnl_link *host, const struct rtnl_link *peer)
{
	return streq(host->kind, "veth") && streq(peer->kind, "veth") &&
	       host->link == peer->ifindex && peer->link == host->ifindex;
}
