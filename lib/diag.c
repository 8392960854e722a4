/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "usernetns/diag.h"

void diag_add(struct diag *d, enum diag_level level, const char *file, unsigned int line,
	      const char *fmt, ...)
{
	char msg[512], prefix[64];
	struct diag_entry *e;
	va_list ap;
	int r;

	if (level == DIAG_ERROR)
		d->n_errors++;
	else
		d->n_warnings++;

	if (d->n_entries >= DIAG_MAX_ENTRIES) {
		d->n_dropped++;
		return;
	}
	if (!d->entries) {
		d->entries = calloc(DIAG_MAX_ENTRIES, sizeof(*d->entries));
		if (!d->entries) {
			d->oom = true;
			return;
		}
	}

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (line)
		snprintf(prefix, sizeof(prefix), ":%u", line);
	else
		prefix[0] = '\0';

	e = &d->entries[d->n_entries];
	r = asprintf(&e->text, "%s%s%s%s%s", file ? file : "", prefix, file || line ? ": " : "",
		     level == DIAG_WARNING ? "warning: " : "", msg);
	if (r < 0) {
		e->text = NULL;
		d->oom = true;
		return;
	}
	e->level = level;
	e->line = line;
	d->n_entries++;
}

void diag_clear(struct diag *d)
{
	for (size_t i = 0; i < d->n_entries; i++)
		free(d->entries[i].text);
	free(d->entries);
	*d = DIAG_INIT;
}
