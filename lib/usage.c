/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "usernetns/usage.h"

#define USAGE_MAGIC "usernetns-usage 1\n"
/* A day's line is at most 10 + 5 * (keys and 20 digits): well under 200. */
#define USAGE_FILE_MAX ((size_t)USAGE_DAYS_MAX * 200 + sizeof(USAGE_MAGIC))

struct usage_day {
	char day[USAGE_DAY_STRLEN];
	struct usage_counts c;
};

static const struct {
	const char *key;
	size_t offset;
} usage_keys[] = {
	{ "sent_bytes", offsetof(struct usage_counts, sent_bytes) },
	{ "received_bytes", offsetof(struct usage_counts, received_bytes) },
	{ "sent_packets", offsetof(struct usage_counts, sent_packets) },
	{ "received_packets", offsetof(struct usage_counts, received_packets) },
	{ "refused_packets", offsetof(struct usage_counts, refused_packets) },
};

static uint64_t *counter(struct usage_counts *c, size_t i)
{
	return (uint64_t *)((char *)c + usage_keys[i].offset);
}

void usage_counts_add(struct usage_counts *a, const struct usage_counts *b)
{
	for (size_t i = 0; i < ELEMENTSOF(usage_keys); i++) {
		uint64_t *x = counter(a, i), y = *counter((struct usage_counts *)b, i);

		*x = *x > UINT64_MAX - y ? UINT64_MAX : *x + y;
	}
}

int usage_day(time_t t, char buf[USAGE_DAY_STRLEN])
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 1)
		return -EOVERFLOW;
	snprintf(buf, USAGE_DAY_STRLEN, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday);
	return 0;
}

bool usage_day_valid(const char *s)
{
	static const uint64_t days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	const char *end;
	uint64_t y, m, d;

	if (util_parse_decimal(s, 9999, &y, &end) < 0 || end != s + 4 || *end != '-' ||
	    util_parse_decimal(s + 5, 12, &m, &end) < 0 || end != s + 7 || *end != '-' ||
	    util_parse_decimal(s + 8, 31, &d, NULL) < 0 || strlen(s) != 10)
		return false;
	if (y < 1 || m < 1 || d < 1 || d > days[m - 1])
		return false;
	return m != 2 || d < 29 || (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
}

static int open_usage_dir(const struct uns_paths *p, bool create, int *ret_fd, char *path,
			  size_t size, struct errbuf *err)
{
	int r;

	if ((size_t)snprintf(path, size, "%s/usage", p->statedir) >= size) {
		errbuf_set(err, "usage path too long");
		return -ENAMETOOLONG;
	}
	/* Whose traffic it was: for root's eyes only. */
	r = util_open_dir(path, create, 0700, ret_fd);
	if (r < 0 && r != -ENOENT)
		errbuf_errno(err, r, "cannot open %s", path);
	return r;
}

/* "sent_bytes=12" (len bytes at s): the counter named, and its value. */
static int parse_pair(const char *s, size_t len, struct usage_counts *c)
{
	for (size_t i = 0; i < ELEMENTSOF(usage_keys); i++) {
		size_t k = strlen(usage_keys[i].key);
		const char *end;
		uint64_t x;

		if (len <= k + 1 || strncmp(s, usage_keys[i].key, k) != 0 || s[k] != '=')
			continue;
		if (util_parse_decimal(s + k + 1, UINT64_MAX, &x, &end) < 0 || end != s + len)
			return -EBADMSG;
		*counter(c, i) = x;
		return 0;
	}
	return -EBADMSG;
}

/* One day's line, without its newline. */
static int parse_line(const char *s, size_t len, struct usage_day *ret)
{
	const char *end = s + len;

	memset(ret, 0, sizeof(*ret));
	if (len < 10 || (len > 10 && s[10] != ' '))
		return -EBADMSG;
	memcpy(ret->day, s, 10);
	ret->day[10] = '\0';
	if (!usage_day_valid(ret->day))
		return -EBADMSG;
	for (s += 10; s < end;) {
		const char *word = ++s, *space = memchr(word, ' ', (size_t)(end - word));
		size_t n = (size_t)((space ? space : end) - word);

		if (parse_pair(word, n, &ret->c) < 0)
			return -EBADMSG;
		s = word + n;
	}
	return 0;
}

/*
 * The days of dfd/name, in order; none when it does not exist.  *ret (to
 * free()) has room for USAGE_DAYS_MAX + 1.
 */
static int read_days(int dfd, const char *dir, const char *name, struct usage_day **ret,
		     size_t *ret_n, struct errbuf *err)
{
	struct usage_day *days = NULL;
	size_t n = 0, len, lineno = 1;
	char *buf = NULL;
	const char *s, *end;
	int fd, r;

	*ret = NULL;
	*ret_n = 0;
	/* Room for one day more than a file holds: the one an addition makes. */
	days = calloc(USAGE_DAYS_MAX + 1, sizeof(*days));
	if (!days)
		return errbuf_errno(err, -ENOMEM, "cannot read %s/%s", dir, name);
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		*ret = days;
		return 0;
	}
	r = fd < 0 ? -errno : util_read_fd(fd, USAGE_FILE_MAX, &buf, &len);
	if (fd >= 0)
		close(fd);
	if (r < 0) {
		free(days);
		return errbuf_errno(err, r, "cannot read %s/%s", dir, name);
	}
	if (len < strlen(USAGE_MAGIC) || memcmp(buf, USAGE_MAGIC, strlen(USAGE_MAGIC)) != 0) {
		free(buf);
		free(days);
		errbuf_set(err, "%s/%s:1: not a usage file of usernetns", dir, name);
		return -EBADMSG;
	}
	end = buf + len;
	for (s = buf + strlen(USAGE_MAGIC); s < end;) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));

		const char *why = NULL;

		lineno++;
		if (!nl)
			why = "the last line is cut short";
		else if (n == USAGE_DAYS_MAX)
			why = "more days than a usage file holds";
		else if (parse_line(s, (size_t)(nl - s), &days[n]) < 0)
			why = "not a day's usage";
		else if (n > 0 && strcmp(days[n - 1].day, days[n].day) >= 0)
			why = "a day out of order";
		if (why) {
			errbuf_set(err, "%s/%s:%zu: %s", dir, name, lineno, why);
			free(buf);
			free(days);
			return -EBADMSG;
		}
		n++;
		s = nl + 1;
	}
	free(buf);
	*ret = days;
	*ret_n = n;
	return 0;
}

/* The lock of owner's file (name) in dfd, taken; its fd, to close. */
static int lock_owner(int dfd, const char *dir, const char *name, int *ret_fd, struct errbuf *err)
{
	char lock[OWNER_STRLEN + 8];
	int fd, r;

	snprintf(lock, sizeof(lock), ".%s.lock", name);
	fd = openat(dfd, lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return errbuf_errno(err, -errno, "cannot open %s/%s", dir, lock);
	r = util_flock_timeout(fd, LOCK_EX, USAGE_LOCK_TIMEOUT_MS);
	if (r < 0) {
		close(fd);
		return errbuf_errno(err, r, "cannot lock %s/%s", dir, lock);
	}
	*ret_fd = fd;
	return 0;
}

static size_t format_days(const struct usage_day *days, size_t n, char *out)
{
	size_t len = strlen(USAGE_MAGIC);

	memcpy(out, USAGE_MAGIC, len);
	for (size_t i = 0; i < n; i++) {
		len += (size_t)sprintf(out + len, "%s", days[i].day);
		for (size_t k = 0; k < ELEMENTSOF(usage_keys); k++)
			len += (size_t)sprintf(out + len, " %s=%" PRIu64, usage_keys[k].key,
					       *counter((struct usage_counts *)&days[i].c, k));
		out[len++] = '\n';
	}
	return len;
}

int usage_add(const struct uns_paths *p, owner_t owner, time_t when, const struct usage_counts *c,
	      struct errbuf *err)
{
	char dir[PATH_MAX], name[OWNER_STRLEN], today[USAGE_DAY_STRLEN], *out = NULL;
	struct usage_day *days = NULL;
	size_t n, at;
	int dfd = -1, lock = -1, r;

	if (usage_day(when, today) < 0) {
		errbuf_set(err, "the clock gives no day");
		return -EOVERFLOW;
	}
	owner_file_name(owner, name, sizeof(name));
	r = open_usage_dir(p, true, &dfd, dir, sizeof(dir), err);
	if (r < 0)
		return r;
	r = lock_owner(dfd, dir, name, &lock, err);
	if (r < 0) {
		close(dfd);
		return r;
	}
	r = read_days(dfd, dir, name, &days, &n, err);
	if (r < 0)
		goto out;
	/* Where today goes: usually the end; a clock set back finds its day. */
	for (at = n; at > 0 && strcmp(days[at - 1].day, today) > 0; at--)
		;
	if (at == 0 || strcmp(days[at - 1].day, today) != 0) {
		memmove(&days[at + 1], &days[at], (n - at) * sizeof(*days));
		memset(&days[at], 0, sizeof(*days));
		memcpy(days[at].day, today, sizeof(today));
		n++;
		at++;
	}
	usage_counts_add(&days[at - 1].c, c);
	if (n > USAGE_DAYS_MAX) {
		/* The oldest day takes the next one's counts: no total shrinks. */
		usage_counts_add(&days[0].c, &days[1].c);
		memmove(&days[1], &days[2], (n - 2) * sizeof(*days));
		n--;
	}
	out = malloc(USAGE_FILE_MAX);
	if (!out) {
		r = errbuf_errno(err, -ENOMEM, "cannot write %s/%s", dir, name);
		goto out;
	}
	r = util_write_atomic(dfd, name, out, format_days(days, n, out), 0600,
			      UTIL_SYNC_DATA | UTIL_SYNC_NAME);
	if (r < 0)
		errbuf_errno(err, r, "cannot write %s/%s", dir, name);
out:
	free(out);
	free(days);
	close(lock);
	close(dfd);
	return r;
}

int usage_total(const struct uns_paths *p, owner_t owner, const char *since,
		struct usage_counts *ret, char ret_first[USAGE_DAY_STRLEN],
		char ret_last[USAGE_DAY_STRLEN], struct errbuf *err)
{
	char dir[PATH_MAX], name[OWNER_STRLEN];
	struct usage_day *days = NULL;
	size_t n;
	int dfd, r;

	memset(ret, 0, sizeof(*ret));
	ret_first[0] = ret_last[0] = '\0';
	r = open_usage_dir(p, false, &dfd, dir, sizeof(dir), err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	owner_file_name(owner, name, sizeof(name));
	r = read_days(dfd, dir, name, &days, &n, err);
	close(dfd);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (since && strcmp(days[i].day, since) < 0)
			continue;
		if (!ret_first[0])
			memcpy(ret_first, days[i].day, USAGE_DAY_STRLEN);
		memcpy(ret_last, days[i].day, USAGE_DAY_STRLEN);
		usage_counts_add(ret, &days[i].c);
	}
	free(days);
	return 0;
}

int usage_owners(const struct uns_paths *p, owner_t **ret, size_t *ret_n, struct errbuf *err)
{
	char dir[PATH_MAX];

	*ret = NULL;
	*ret_n = 0;
	if ((size_t)snprintf(dir, sizeof(dir), "%s/usage", p->statedir) >= sizeof(dir)) {
		errbuf_set(err, "usage path too long");
		return -ENAMETOOLONG;
	}
	return owner_list_path(dir, ret, ret_n, err);
}

int usage_totals(const struct uns_paths *p, const owner_t *owners, size_t n, const char *since,
		 struct usage_owner_total **ret, size_t *ret_n, struct errbuf *err)
{
	struct usage_owner_total *v;
	owner_t *all = NULL;
	int r = 0;

	*ret = NULL;
	*ret_n = 0;
	if (!owners) {
		r = usage_owners(p, &all, &n, err);
		if (r < 0)
			return r;
		owners = all;
	}
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v) {
		free(all);
		return errbuf_errno(err, -ENOMEM, "cannot read the usage");
	}
	for (size_t i = 0; r == 0 && i < n; i++) {
		v[i].owner = owners[i];
		r = usage_total(p, owners[i], since, &v[i].c, v[i].first, v[i].last, err);
	}
	free(all);
	if (r < 0) {
		free(v);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}
