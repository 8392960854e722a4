/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What identifies a network namespace: for the records that name one
 * (state.h) without the calls that open, make and enter them (netns.h).
 */
#ifndef USERNETNS_NETNS_ID_H
#define USERNETNS_NETNS_ID_H

#include <stdbool.h>
#include <stdint.h>

/* The device and inode of its nsfs file. */
struct netns_id {
	uint64_t dev;
	uint64_t ino;
};

static inline bool netns_id_equal(const struct netns_id *a, const struct netns_id *b)
{
	return a->dev == b->dev && a->ino == b->ino;
}

#endif
