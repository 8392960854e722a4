/* SPDX-License-Identifier: BSD-3-Clause */
/* Compiled into the test build of the library only: see fault.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "usernetns/fault.h"
#include "usernetns/util.h"

#ifdef USERNETNS_FAULTS

static const struct {
	const char *name;
	int value;
} errnos[] = {
	{ "EEXIST", EEXIST }, { "EBUSY", EBUSY }, { "ENOBUFS", ENOBUFS },
	{ "ENOMEM", ENOMEM }, { "EPERM", EPERM }, { "ENOSPC", ENOSPC },
	{ "EIO", EIO },	      { "EINTR", EINTR }, { "EMFILE", EMFILE },
};

int fault_point(const char *point)
{
	static uint64_t hits;
	const char *spec = secure_getenv("USERNETNS_FAULT");
	char name[128], action[32];
	uint64_t at = 1;
	const char *eq, *amp;
	size_t n;

	if (!spec || !*spec)
		return 0;
	if (streq(spec, "trace")) {
		const char *path = secure_getenv("USERNETNS_FAULT_TRACE");
		int fd;

		if (!path)
			return 0;
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (fd >= 0) {
			dprintf(fd, "%s\n", point);
			close(fd);
		}
		return 0;
	}
	eq = strchr(spec, '=');
	if (!eq || (size_t)(eq - spec) >= sizeof(name))
		return 0;
	n = (size_t)(eq - spec);
	memcpy(name, spec, n);
	name[n] = '\0';
	if (!streq(name, point))
		return 0;
	amp = strchr(eq + 1, '@');
	n = amp ? (size_t)(amp - eq - 1) : strlen(eq + 1);
	if (n >= sizeof(action))
		return 0;
	memcpy(action, eq + 1, n);
	action[n] = '\0';
	if (amp && util_parse_decimal(amp + 1, UINT32_MAX, &at, NULL) < 0)
		return 0;
	if (++hits != at)
		return 0;
	if (streq(action, "crash")) {
		/* As abrupt as it gets: no cleanup handler runs. */
		kill(getpid(), SIGKILL);
		pause();
	}
	if (streq(action, "stop")) {
		/* What a user may do to a helper of theirs: stop it here. */
		raise(SIGSTOP);
		return 0;
	}
	for (size_t i = 0; i < ELEMENTSOF(errnos); i++)
		if (streq(action, errnos[i].name))
			return -errnos[i].value;
	return 0;
}

#endif
