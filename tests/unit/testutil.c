/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

const char *test_fixture(const char *rel)
{
	static char path[4096];
	const char *dir = getenv("USERNETNS_FIXTURES");

	if (!dir) {
		fprintf(stderr, "Bail out! USERNETNS_FIXTURES is not set\n");
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return path;
}

char *test_read_file(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rbe");
	char *buf = NULL;
	size_t cap = 0, len = 0;

	if (!f)
		fail_msg("cannot open %s: %s", path, strerror(errno));
	for (;;) {
		size_t n;

		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	return buf;
}

bool test_diag_has(const struct diag *d, enum diag_level level,
		   unsigned int line, const char *needle)
{
	for (size_t i = 0; i < d->n_entries; i++)
		if (d->entries[i].level == level && d->entries[i].line == line &&
		    strstr(d->entries[i].text, needle))
			return true;
	return false;
}

void test_diag_dump(const struct diag *d)
{
	for (size_t i = 0; i < d->n_entries; i++)
		printf("# %s\n", d->entries[i].text);
}

int test_parse(const char *text, struct policy **ret, struct diag *d)
{
	struct policy *p = NULL;
	int r;

	r = policy_parse("test.conf", text, strlen(text), 0, &p, d);
	if (ret)
		*ret = p;
	else
		policy_free(p);
	return r;
}

void test_use_nss_wrapper(char **argv)
{
	const char *lib = getenv("NSS_WRAPPER_LIB");
	const char *preload = getenv("LD_PRELOAD");
	char path[4096];

	if (preload && lib && strstr(preload, lib))
		return;
	if (!lib) {
		printf("Bail out! NSS_WRAPPER_LIB is not set\n");
		exit(1);
	}
	setenv("LD_PRELOAD", lib, 1);
	snprintf(path, sizeof(path), "%s", test_fixture("../nss/passwd"));
	setenv("NSS_WRAPPER_PASSWD", path, 1);
	snprintf(path, sizeof(path), "%s", test_fixture("../nss/group"));
	setenv("NSS_WRAPPER_GROUP", path, 1);
	execv("/proc/self/exe", argv);
	printf("Bail out! cannot re-exec under nss_wrapper: %s\n", strerror(errno));
	exit(1);
}
