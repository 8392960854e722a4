/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stand-in for a hostile LD_PRELOAD library: when loaded, it appends the
 * program's name and its permitted capabilities to /run/evil.log, so a
 * test can tell whether it ever ran inside a privileged helper.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

__attribute__((constructor)) static void evil(void)
{
	char comm[64] = "?", line[256] = "", status[4096];
	const char *cap;
	ssize_t n;
	int fd;

	fd = open("/proc/self/comm", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, comm, sizeof(comm) - 1);
		comm[n > 0 ? n - 1 : 0] = '\0';
		close(fd);
	}
	fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, status, sizeof(status) - 1);
		status[n > 0 ? n : 0] = '\0';
		close(fd);
		cap = strstr(status, "CapPrm:");
		if (cap)
			sscanf(cap, "CapPrm: %255s", line);
	}
	fd = open("/run/evil.log", O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd >= 0) {
		dprintf(fd, "%s %s\n", comm, line);
		close(fd);
	}
}
