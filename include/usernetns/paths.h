/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where things live.  The installed module and helpers always use the
 * configure-time defaults; the parameter exists so that lib/ can be
 * tested on scratch directories.
 */
#ifndef USERNETNS_PATHS_H
#define USERNETNS_PATHS_H

struct uns_paths {
	const char *rundir;	 /* named namespaces: /run/netns */
	const char *statedir;	 /* persistent: /var/lib/usernetns */
	const char *runstatedir; /* volatile: /run/usernetns */
};

extern const struct uns_paths uns_paths_default;

#endif
