/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "usernetns/inventory.h"
#include "usernetns/netns.h"
#include "usernetns/nstable.h"
#include "usernetns/rtnl.h"
#include "usernetns/session.h"

/* Host links that carry our mark (ours_host_link()). */
struct marked_link {
	char ifname[IFNAMSIZ];
	int ifindex;
	owner_t owner;
};

struct link_collect {
	struct marked_link *v;
	size_t n, cap;
	int err;
};

static int collect_link(const struct rtnl_link *l, void *data)
{
	struct link_collect *c = data;
	struct marked_link *v;
	owner_t owner;

	if (!ours_host_link(l, &owner))
		return 0;
	v = util_grow(c->v, &c->cap, c->n + 1, sizeof(*v), 64);
	if (!v)
		return -ENOMEM;
	c->v = v;
	snprintf(c->v[c->n].ifname, sizeof(c->v[c->n].ifname), "%s", l->ifname);
	c->v[c->n].ifindex = l->ifindex;
	c->v[c->n].owner = owner;
	c->n++;
	return 0;
}

bool inventory_owner_wanted(owner_t owner, const owner_t *only, size_t n_only)
{
	if (!only)
		return true;
	for (size_t i = 0; i < n_only; i++)
		if (only[i] == owner)
			return true;
	return false;
}

/* What a survey reads once for all its entries. */
struct survey {
	struct netns_census census;
	owner_t *with_sessions; /* session_owners() */
	size_t n_with_sessions;
	int rundir;  /* O_PATH, or -1 */
	int records; /* state_open_records() */
};

static int classify(const struct uns_paths *p, struct inventory_entry *e, const struct survey *s,
		    struct errbuf *err)
{
	struct ours_found f;
	int r;

	r = ours_netns(p->rundir, s->rundir, e->rec.netns, &e->rec, &f, NULL, err);
	if (r < 0)
		return r;
	e->state = f.verdict;
	e->found = f.id;
	if (e->state == OURS_ACTIVE || e->state == OURS_UNFINISHED)
		e->processes = netns_census_count(&s->census, &e->found);
	if (!bsearch(&e->rec.owner, s->with_sessions, s->n_with_sessions, sizeof(owner_t),
		     owner_compare))
		return 0; /* never had a session */
	if (owner_is_group(e->rec.owner)) {
		r = session_members(p, e->rec.owner, e->members, INVENTORY_MEMBERS_MAX,
				    &e->n_members, err);
		if (r < 0)
			return r;
	}
	return session_count(p, e->rec.owner, false, &e->sessions, err);
}

/*
 * The names of the calling thread's namespace's links, as a set, from one
 * read of /proc/thread-self/net/dev.  Not netlink: an answer about a veth
 * costs the kernel a walk of the ids of every peer namespace
 * (peernet2id()), so a dump of thousands of pairs is quadratic, and a
 * lookup by name walks a hash chain of the 256 the kernel keeps; this
 * file is one pass (24 ms for 10,000 links here, against 90 ms by name).
 */
#define LINK_NAMES_MAX_BYTES (64u << 20)

/* A link's name and what it counted (the file's first four numbers of each way). */
struct link_slot {
	char name[IFNAMSIZ];	     /* "" for free */
	struct usage_counts counted; /* as the namespace beyond it sees it */
};

/* A set of names: open addressing, at most half full. */
struct link_names {
	struct link_slot *slot;
	size_t mask;
};

static size_t name_hash(const char *name)
{
	uint64_t h = 14695981039346656037u; /* FNV-1a */

	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 1099511628211u;
	return (size_t)h;
}

static const struct link_slot *link_names_find(const struct link_names *set, const char *name)
{
	if (!set->slot)
		return NULL;
	for (size_t i = name_hash(name) & set->mask;; i = (i + 1) & set->mask) {
		if (!set->slot[i].name[0])
			return NULL;
		if (streq(set->slot[i].name, name))
			return &set->slot[i];
	}
}

/*
 * "bytes packets errs drop fifo frame compressed multicast" received,
 * then "bytes packets ..." sent: a host end received what its namespace
 * sent.  Left at zero if the line is not as expected.
 */
static void read_counters(const char *s, struct usage_counts *ret)
{
	uint64_t v[10];
	size_t n = 0;

	while (n < ELEMENTSOF(v)) {
		s += strspn(s, " ");
		if (util_parse_decimal(s, UINT64_MAX, &v[n], &s) < 0)
			return;
		n++;
	}
	*ret = (struct usage_counts){ .sent_bytes = v[0],
				      .sent_packets = v[1],
				      .received_bytes = v[8],
				      .received_packets = v[9] };
}

static int read_link_names(struct link_names *ret)
{
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0, lines = 0, size = 64;
	int fd, r;

	fd = open("/proc/thread-self/net/dev", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = util_read_fd(fd, LINK_NAMES_MAX_BYTES, &buf, &len);
	close(fd);
	if (r < 0)
		return r;
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	while (size < 2 * lines)
		size *= 2;
	ret->slot = calloc(size, sizeof(*ret->slot));
	if (!ret->slot) {
		free(buf);
		return -ENOMEM;
	}
	ret->mask = size - 1;
	/* Two lines of titles, then "  NAME: counters..." (no name holds ':'). */
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');
		size_t skip = strspn(line, " "), n;

		if (!colon || (size_t)(colon - line) <= skip)
			continue;
		n = (size_t)(colon - line) - skip;
		if (n >= IFNAMSIZ)
			continue;
		line[skip + n] = '\0';
		for (size_t i = name_hash(line + skip) & ret->mask;; i = (i + 1) & ret->mask)
			if (!ret->slot[i].name[0]) {
				memcpy(ret->slot[i].name, line + skip, n + 1);
				read_counters(colon + 1, &ret->slot[i].counted);
				break;
			}
	}
	free(buf);
	return 0;
}

/* Records' host ends, sorted by owner and name, to find the links none names. */
static int compare_named(const void *a, const void *b)
{
	const struct marked_link *x = a, *y = b;

	if (x->owner != y->owner)
		return x->owner < y->owner ? -1 : 1;
	return strcmp(x->ifname, y->ifname);
}

static int find_orphans(struct inventory *inv, const struct link_collect *links)
{
	struct marked_link *named = calloc(inv->n ? inv->n : 1, sizeof(*named));
	size_t n_named = 0;

	inv->orphans = calloc(links->n ? links->n : 1, sizeof(*inv->orphans));
	if (!named || !inv->orphans) {
		free(named);
		return -ENOMEM;
	}
	for (size_t i = 0; i < inv->n; i++) {
		named[n_named].owner = inv->v[i].rec.owner;
		snprintf(named[n_named].ifname, IFNAMSIZ, "%s", inv->v[i].rec.host_ifname);
		n_named++;
	}
	qsort(named, n_named, sizeof(*named), compare_named);
	for (size_t k = 0; k < links->n; k++) {
		struct inventory_orphan_link *o = &inv->orphans[inv->n_orphans];

		if (bsearch(&links->v[k], named, n_named, sizeof(*named), compare_named))
			continue;
		snprintf(o->ifname, IFNAMSIZ, "%s", links->v[k].ifname);
		o->ifindex = links->v[k].ifindex;
		o->owner = links->v[k].owner;
		inv->n_orphans++;
	}
	free(named);
	return 0;
}

/*
 * A part of a survey: the records of owners[first..end) (those wanted),
 * each into its own slot.  Thousands of records are thousands of opens,
 * reads and stats, each waiting on nothing but the CPU: the parts run on
 * threads of their own, one per CPU (at most SURVEY_THREADS_MAX).
 */
#define SURVEY_THREADS_MAX 4
#define SURVEY_PER_THREAD_MIN 512

struct survey_part {
	const struct uns_paths *p;
	const struct survey *s;
	const owner_t *owners, *only;
	size_t n_only, first, end;
	struct inventory_entry *v; /* indexed as owners */
	bool *present;
	int r; /* the first failure, at failed_at */
	size_t failed_at;
	struct errbuf err;
};

static void *survey_part_run(void *data)
{
	struct survey_part *part = data;

	for (size_t i = part->first; i < part->end; i++) {
		struct inventory_entry *e = &part->v[i];
		int r;

		if (!inventory_owner_wanted(part->owners[i], part->only, part->n_only))
			continue;
		r = state_read_at(part->p, part->s->records, part->owners[i], &e->rec, &part->err);
		if (r == -ENOENT)
			continue; /* removed since the listing */
		if (r == 0)
			r = classify(part->p, e, part->s, &part->err);
		if (r < 0) {
			part->r = r;
			part->failed_at = i;
			break;
		}
		part->present[i] = true;
	}
	return NULL;
}

struct names_job {
	struct link_names *names;
	int r;
};

static void *names_job_run(void *data)
{
	struct names_job *job = data;

	job->r = read_link_names(job->names);
	return NULL;
}

/*
 * The records into inv, and meanwhile (names not NULL) the names of the
 * host's links, on a thread of its own: one read of a file the kernel
 * writes out as it goes, as long as a tenth of the records.
 */
static int survey_records(const struct uns_paths *p, const struct survey *s, const owner_t *owners,
			  size_t n_owners, const owner_t *only, size_t n_only,
			  struct link_names *names, struct inventory *inv, struct errbuf *err)
{
	struct names_job job = { .names = names, .r = 0 };
	bool names_started = false;
	pthread_t names_thread;
	struct survey_part parts[SURVEY_THREADS_MAX] = { 0 };
	pthread_t threads[SURVEY_THREADS_MAX];
	bool started[SURVEY_THREADS_MAX] = { false };
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n_parts = n_owners / SURVEY_PER_THREAD_MIN + 1;
	const struct survey_part *failed = NULL;
	bool *present;

	if (n_parts > (size_t)(cpus > 0 ? cpus : 1))
		n_parts = (size_t)(cpus > 0 ? cpus : 1);
	if (n_parts > SURVEY_THREADS_MAX)
		n_parts = SURVEY_THREADS_MAX;
	inv->v = calloc(n_owners ? n_owners : 1, sizeof(*inv->v));
	present = calloc(n_owners ? n_owners : 1, sizeof(*present));
	if (!inv->v || !present) {
		free(present);
		return -ENOMEM;
	}
	if (names && n_parts > 1)
		names_started = pthread_create(&names_thread, NULL, names_job_run, &job) == 0;
	if (names && !names_started)
		names_job_run(&job);
	for (size_t k = 0; k < n_parts; k++) {
		parts[k] = (struct survey_part){
			.p = p,
			.s = s,
			.owners = owners,
			.only = only,
			.n_only = n_only,
			.first = n_owners * k / n_parts,
			.end = n_owners * (k + 1) / n_parts,
			.v = inv->v,
			.present = present,
		};
		/* The first part is this thread's; a thread not started, too. */
		if (k > 0)
			started[k] =
				pthread_create(&threads[k], NULL, survey_part_run, &parts[k]) == 0;
	}
	for (size_t k = 0; k < n_parts; k++)
		if (!started[k])
			survey_part_run(&parts[k]);
	for (size_t k = 0; k < n_parts; k++) {
		if (started[k])
			pthread_join(threads[k], NULL);
		if (parts[k].r < 0 && !failed)
			failed = &parts[k]; /* the first in the owners' order */
	}
	if (names_started)
		pthread_join(names_thread, NULL);
	if (job.r < 0) {
		free(names->slot); /* not known: the links go unjudged */
		names->slot = NULL;
	}
	if (failed) {
		free(present);
		*err = failed->err;
		return failed->r;
	}
	for (size_t i = 0; i < n_owners; i++)
		if (present[i]) {
			if (inv->n != i)
				inv->v[inv->n] = inv->v[i];
			inv->n++;
		}
	free(present);
	return 0;
}

int inventory_collect(const struct uns_paths *p, const owner_t *only, size_t n_only,
		      unsigned int flags, struct inventory *ret, struct errbuf *err)
{
	struct inventory inv = { 0 };
	struct link_collect links = { 0 };
	struct link_names names = { 0 };
	struct survey survey = { .rundir = -1, .records = -1 };
	struct rtnl rtnl = RTNL_INIT;
	owner_t *owners = NULL;
	size_t n_owners = 0;
	struct netns_id now;
	bool have_now;
	int r;

	have_now = netns_current(&now) == 0;
	r = state_list(p, &owners, &n_owners, err);
	if (r < 0)
		return r;
	if (n_owners > 0) {
		r = state_open_records(p, &survey.records, err);
		if (r == -ENOENT)
			n_owners = 0; /* all removed since the listing */
		else if (r < 0)
			goto out;
	}
	survey.rundir = open(p->rundir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	r = session_owners(p, &survey.with_sessions, &survey.n_with_sessions, err);
	if (r < 0)
		goto out;
	r = netns_census_take(&survey.census);
	if (r < 0) {
		errbuf_errno(err, r, "cannot scan /proc");
		goto out;
	}
	inv.hidden_processes = survey.census.hidden;
	if ((flags & INVENTORY_ORPHANS) && !only) {
		r = rtnl_open(&rtnl, err);
		/*
		 * With logins arriving fast among thousands of links, every
		 * listing may be marked interrupted.  Its last one serves:
		 * what a cleanup does with a link it judges again under the
		 * owner's lock (the record names its host end before the link
		 * exists, and a doomed host end must still carry our mark and
		 * name).
		 */
		rtnl.accept_interrupted = true;
		if (r == 0)
			r = rtnl_link_foreach(&rtnl, collect_link, &links, err);
		rtnl_close(&rtnl);
		if (r < 0)
			goto out;
	}
	/* Host links are only visible from the host's namespace. */
	r = survey_records(p, &survey, owners, n_owners, only, n_only, have_now ? &names : NULL,
			   &inv, err);
	if (r < 0)
		goto out;
	have_now = have_now && names.slot;
	for (size_t i = 0; i < inv.n; i++) {
		struct inventory_entry *e = &inv.v[i];
		const struct link_slot *slot;

		e->host_link_known = have_now && netns_id_equal(&now, &e->rec.host_id);
		/*
		 * A link of the recorded name; the index is the one recorded
		 * (what is deleted is checked again: index, name and mark).
		 */
		if (e->host_link_known && e->rec.host_ifname[0] &&
		    (slot = link_names_find(&names, e->rec.host_ifname))) {
			e->host_link = true;
			e->host_ifindex = e->rec.host_ifindex;
			e->traffic = slot->counted;
		}
	}

	/* Marked links no record names: left by a record that was lost. */
	r = (flags & INVENTORY_ORPHANS) && !only ? find_orphans(&inv, &links) : 0;
out:
	if (survey.records >= 0)
		close(survey.records);
	if (survey.rundir >= 0)
		close(survey.rundir);
	free(owners);
	free(links.v);
	free(names.slot);
	free(survey.with_sessions);
	netns_census_free(&survey.census);
	if (r < 0) {
		if (r == -ENOMEM)
			errbuf_set(err, "out of memory");
		inventory_free(&inv);
		return r;
	}
	*ret = inv;
	return 0;
}

void inventory_free(struct inventory *inv)
{
	free(inv->v);
	free(inv->orphans);
	*inv = (struct inventory){ 0 };
}

struct refused_read {
	struct inventory_entry *e;
};

/* Inside the namespace: its counter, over a socket opened there. */
int inventory_read_refused(const struct uns_paths *p, struct inventory_entry *e, struct errbuf *err)
{
	struct ours_found f;
	int fd, r;

	e->refused_known = false;
	if (e->state != OURS_ACTIVE || !e->rec.host_ifname[0])
		return 0;
	r = ours_netns(p->rundir, -1, e->rec.netns, &e->rec, &f, &fd, err);
	if (r < 0)
		return r;
	/* Only into the very namespace the record names. */
	if (f.verdict == OURS_ACTIVE) {
		struct nstable_refused got;

		r = nstable_refused_in(fd, &got, err);
		e->refused_known = r == 0 && got.known;
		e->refused_packets = got.packets;
		e->refused_bytes = got.bytes;
	}
	if (fd >= 0)
		close(fd);
	return r;
}
