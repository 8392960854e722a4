/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Diagnostics: the list of "FILE:LINE: message" lines a policy check
 * produces.  The library never prints; callers decide where these go
 * (stderr for the helpers, pam_syslog for the module).
 */
#ifndef USERNETNS_DIAG_H
#define USERNETNS_DIAG_H

#include <stdbool.h>
#include <stddef.h>

/* A hostile file must not make us allocate without bound. */
#define DIAG_MAX_ENTRIES 100

enum diag_level {
	DIAG_ERROR,
	DIAG_WARNING,
};

struct diag_entry {
	enum diag_level level;
	unsigned int line; /* 0 when the message is about the whole file */
	char *text;	   /* complete: "FILE:LINE: message" */
};

struct diag {
	struct diag_entry *entries;
	size_t n_entries;
	size_t n_errors; /* counts dropped ones too */
	size_t n_warnings;
	size_t n_dropped; /* not stored: DIAG_MAX_ENTRIES reached */
	bool oom;	  /* an entry was lost for want of memory */
};

#define DIAG_INIT ((struct diag){ 0 })

/*
 * Record a message about file (may be NULL) at line (0 for none).  Never
 * fails: without memory the entry is counted and lost, and oom is set.
 */
__attribute__((format(printf, 5, 6))) void diag_add(struct diag *d, enum diag_level level,
						    const char *file, unsigned int line,
						    const char *fmt, ...);

#define diag_error(d, file, line, ...) diag_add((d), DIAG_ERROR, (file), (line), __VA_ARGS__)
#define diag_warning(d, file, line, ...) diag_add((d), DIAG_WARNING, (file), (line), __VA_ARGS__)

void diag_clear(struct diag *d);

#endif
