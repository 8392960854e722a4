/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "pamtest.h"
#include "testutil.h"

static int conv(int n, const struct pam_message **msg, struct pam_response **resp,
		void *data)
{
	(void)n;
	(void)msg;
	(void)resp;
	(void)data;
	return PAM_CONV_ERR;
}

const struct pam_conv test_conversation = { conv, NULL };

char logbuf[1 << 16];
static size_t loglen;

/* Where each line starts in logbuf, and its whole priority. */
static struct {
	size_t start;
	int pri;
} lines[4096];
static size_t n_lines;

static void capture(int pri, const char *fmt, va_list ap)
{
	int n;

	if (loglen >= sizeof(logbuf) - 256 || n_lines == sizeof(lines) / sizeof(lines[0]))
		return;
	lines[n_lines].start = loglen;
	lines[n_lines++].pri = pri;
	n = snprintf(logbuf + loglen, sizeof(logbuf) - loglen, "<%d>", pri & 7);
	loglen += (size_t)n;
	n = vsnprintf(logbuf + loglen, sizeof(logbuf) - loglen - 1, fmt, ap);
	if (n > 0)
		loglen += (size_t)n < sizeof(logbuf) - loglen - 1 ? (size_t)n :
								    sizeof(logbuf) - loglen - 2;
	logbuf[loglen++] = '\n';
	logbuf[loglen] = '\0';
}

void vsyslog(int pri, const char *fmt, va_list ap)
{
	capture(pri, fmt, ap);
}

void syslog(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	capture(pri, fmt, ap);
	va_end(ap);
}

void __syslog_chk(int pri, int flag, const char *fmt, ...);
void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap);

void __syslog_chk(int pri, int flag, const char *fmt, ...)
{
	va_list ap;

	(void)flag;
	va_start(ap, fmt);
	capture(pri, fmt, ap);
	va_end(ap);
}

void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap)
{
	(void)flag;
	capture(pri, fmt, ap);
}

void log_clear(void)
{
	loglen = 0;
	n_lines = 0;
	logbuf[0] = '\0';
}

int log_priority(const char *needle)
{
	const char *s = strstr(logbuf, needle);
	size_t at;

	if (!s)
		return -1;
	at = (size_t)(s - logbuf);
	for (size_t i = n_lines; i-- > 0;)
		if (lines[i].start <= at)
			return lines[i].pri;
	return -1;
}

void expect_log(const char *needle)
{
	if (!strstr(logbuf, needle)) {
		printf("# log was:\n");
		for (const char *s = logbuf; *s;) {
			size_t n = strcspn(s, "\n");

			printf("#   %.*s\n", (int)n, s);
			s += n + (s[n] == '\n');
		}
		fail_msg("log lacks: %s", needle);
	}
}
