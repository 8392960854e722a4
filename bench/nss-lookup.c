/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nss-lookup MODULE HIT ROUNDS: what a lookup costs with
 * libnss_usernetns.so.2 (MODULE), a namespace name HIT published.
 * Prints one line of medians over ROUNDS batches, in microseconds per
 * lookup, contenders taking turns batch by batch:
 *
 *   module:       the module's gethostbyname4_r called directly, for HIT,
 *                 for a name that could be ours but is not (a miss: the
 *                 files are looked for), and for one that cannot (no system call)
 *   getaddrinfo:  through glibc, hosts "files" against "files usernetns",
 *                 for a name neither knows (what every other lookup on the
 *                 host pays for the module), and "files usernetns" for HIT
 *
 * The switch is set with glibc's __nss_configure_lookup(); the module is
 * found through LD_LIBRARY_PATH, as the caller sets it.
 */
#include "config.h"

#include <dlfcn.h>
#include <netdb.h>
#include <nss.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH 200

typedef enum nss_status (*byname4_fn)(const char *, struct gaih_addrtuple **, char *, size_t,
				      int *, int *, int32_t *);

/* glibc's, not in its headers. */
int __nss_configure_lookup(const char *db, const char *service_line);

static byname4_fn byname4;

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), compare);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Microseconds per direct call, over one batch. */
static double direct(const char *name, enum nss_status want)
{
	char buf[1024];
	double t0 = now_us();

	for (int i = 0; i < BATCH; i++) {
		struct gaih_addrtuple *pat = NULL;
		int e, h;
		int32_t ttl;

		if (byname4(name, &pat, buf, sizeof(buf), &e, &h, &ttl) != want) {
			fprintf(stderr, "nss-lookup: %s: unexpected answer\n", name);
			exit(1);
		}
	}
	return (now_us() - t0) / BATCH;
}

/* Microseconds per getaddrinfo(), over one batch, with the switch set to line. */
static double through_glibc(const char *line, const char *name, int want)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	double t0;

	if (__nss_configure_lookup("hosts", line) != 0) {
		fprintf(stderr, "nss-lookup: cannot set hosts: %s\n", line);
		exit(1);
	}
	t0 = now_us();
	for (int i = 0; i < BATCH; i++) {
		struct addrinfo *res = NULL;
		int r = getaddrinfo(name, NULL, &hints, &res);

		if ((r == 0) != (want == 0)) {
			fprintf(stderr, "nss-lookup: %s with %s: %s\n", name, line, gai_strerror(r));
			exit(1);
		}
		if (res)
			freeaddrinfo(res);
	}
	return (now_us() - t0) / BATCH;
}

int main(int argc, char **argv)
{
	enum { HIT, MISS, FOREIGN, GAI_FILES, GAI_BOTH, GAI_HIT, N };
	static const char *const names[N] = {
		"module hit", "module miss", "module foreign", "getaddrinfo files miss",
		"getaddrinfo files+usernetns miss", "getaddrinfo files+usernetns hit",
	};
	double *v[N], med[N];
	unsigned int rounds;
	void *h;

	if (argc != 4 || (rounds = (unsigned int)atoi(argv[3])) == 0) {
		fprintf(stderr, "usage: nss-lookup MODULE HIT ROUNDS\n");
		return 2;
	}
	h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	byname4 = h ? (byname4_fn)dlsym(h, "_nss_usernetns_gethostbyname4_r") : NULL;
	if (!byname4) {
		fprintf(stderr, "nss-lookup: %s\n", dlerror());
		return 1;
	}
	for (int k = 0; k < N; k++)
		v[k] = calloc(rounds, sizeof(double));
	for (unsigned int i = 0; i < rounds; i++)
		for (int j = 0; j < N; j++) {
			int k = (int)((i + (unsigned int)j) % N);

			switch (k) {
			case HIT:
				v[k][i] = direct(argv[2], NSS_STATUS_SUCCESS);
				break;
			case MISS:
				v[k][i] = direct("www.example.org", NSS_STATUS_NOTFOUND);
				break;
			case FOREIGN:
				v[k][i] = direct("198.51.100.7", NSS_STATUS_NOTFOUND);
				break;
			case GAI_FILES:
				v[k][i] = through_glibc("files", "nothere.example", EAI_NONAME);
				break;
			case GAI_BOTH:
				v[k][i] = through_glibc("files usernetns", "nothere.example",
							EAI_NONAME);
				break;
			case GAI_HIT:
				v[k][i] = through_glibc("files usernetns", argv[2], 0);
				break;
			}
		}
	for (int k = 0; k < N; k++) {
		med[k] = median(v[k], rounds);
		printf("%s%s %.3f", k ? ", " : "", names[k], med[k]);
	}
	printf("\n");
	return 0;
}
