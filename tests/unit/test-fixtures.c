/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data-driven policy tests: every file in tests/fixtures/bad/ must be
 * rejected with exactly the errors its "# expect: LINE: TEXT" comments
 * list (each TEXT a substring of the message at LINE), and every file in
 * tests/fixtures/good/ must be accepted with no error and only the
 * warnings its "# expect-warning: LINE: TEXT" comments list.  Adding a
 * case is adding a file.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "usernetns/policy.h"

struct expectation {
	enum diag_level level;
	unsigned int line;
	char text[256];
};

struct fixture {
	char path[1024];
	bool good;
};

static size_t read_expectations(const char *text, struct expectation *v,
				size_t max)
{
	size_t n = 0;

	for (const char *s = text; s && *s; s = strchr(s, '\n'), s = s ? s + 1 : NULL) {
		enum diag_level level;
		const char *rest;
		unsigned int line;
		int used = 0;
		size_t len;

		if (strncmp(s, "# expect: ", 10) == 0) {
			level = DIAG_ERROR;
			rest = s + 10;
		} else if (strncmp(s, "# expect-warning: ", 18) == 0) {
			level = DIAG_WARNING;
			rest = s + 18;
		} else {
			continue;
		}
		if (sscanf(rest, "%u: %n", &line, &used) != 1 || used == 0)
			fail_msg("malformed expectation: %.60s", s);
		rest += used;
		len = strcspn(rest, "\r\n");
		assert_true(n < max);
		assert_true(len < sizeof(v[n].text));
		v[n].level = level;
		v[n].line = line;
		memcpy(v[n].text, rest, len);
		v[n].text[len] = '\0';
		n++;
	}
	return n;
}

static void run_fixture(void **state)
{
	const struct fixture *f = *state;
	struct expectation want[64];
	struct diag d = DIAG_INIT;
	struct policy *p = NULL;
	size_t len, n_want, n_errors = 0, n_warnings = 0;
	char *text;
	int r;

	text = test_read_file(f->path, &len);
	n_want = read_expectations(text, want, 64);
	r = policy_parse(f->path, text, len, 0, &p, &d);
	free(text);

	for (size_t i = 0; i < n_want; i++) {
		if (!test_diag_has(&d, want[i].level, want[i].line, want[i].text)) {
			test_diag_dump(&d);
			fail_msg("%s: no %s at line %u containing '%s'", f->path,
				 want[i].level == DIAG_ERROR ? "error" : "warning",
				 want[i].line, want[i].text);
		}
		if (want[i].level == DIAG_ERROR)
			n_errors++;
		else
			n_warnings++;
	}
	if (d.n_errors != n_errors || d.n_warnings != n_warnings) {
		test_diag_dump(&d);
		fail_msg("%s: %zu errors and %zu warnings, expected %zu and %zu",
			 f->path, d.n_errors, d.n_warnings, n_errors, n_warnings);
	}

	if (f->good) {
		assert_int_equal(r, 0);
		assert_non_null(p);
		assert_int_equal(n_errors, 0);
	} else {
		/* Nothing is half-applied: no policy comes back at all. */
		assert_int_equal(r, -EINVAL);
		assert_null(p);
		assert_true(n_errors > 0);
	}
	policy_free(p);
	diag_clear(&d);
}

static int name_compare(const void *a, const void *b)
{
	return strcmp(((const struct CMUnitTest *)a)->name,
		      ((const struct CMUnitTest *)b)->name);
}

static size_t add_dir(const char *sub, bool good, struct CMUnitTest *tests,
		      struct fixture *fixtures, size_t n, size_t max)
{
	const char *dir = test_fixture(sub);
	char dirpath[512];
	struct dirent *e;
	DIR *dp;

	snprintf(dirpath, sizeof(dirpath), "%s", dir);
	dp = opendir(dirpath);
	if (!dp) {
		printf("Bail out! cannot open %s: %s\n", dirpath, strerror(errno));
		exit(1);
	}
	while ((e = readdir(dp))) {
		size_t len = strlen(e->d_name);

		if (len < 6 || strcmp(e->d_name + len - 5, ".conf") != 0)
			continue;
		if (n == max) {
			printf("Bail out! too many fixtures\n");
			exit(1);
		}
		snprintf(fixtures[n].path, sizeof(fixtures[n].path), "%s/%s",
			 dirpath, e->d_name);
		fixtures[n].good = good;
		tests[n] = (struct CMUnitTest){
			.name = strdup(fixtures[n].path + strlen(dirpath) - strlen(sub)),
			.test_func = run_fixture,
			.initial_state = &fixtures[n],
		};
		n++;
	}
	closedir(dp);
	return n;
}

int main(void)
{
	static struct CMUnitTest tests[256];
	static struct fixture fixtures[256];
	size_t n = 0;

	n = add_dir("good", true, tests, fixtures, n, 256);
	n = add_dir("bad", false, tests, fixtures, n, 256);
	if (n < 20) {
		printf("Bail out! only %zu fixtures found\n", n);
		return 1;
	}
	/* readdir order is arbitrary; keep the TAP output stable. */
	qsort(tests, n, sizeof(tests[0]), name_compare);
	return _cmocka_run_group_tests("fixtures", tests, n, NULL, NULL);
}
