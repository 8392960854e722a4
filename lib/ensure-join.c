/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The namespace usernetns made for a plan, entered without the owner's
 * lock (usernetns-join), safely against a removal racing it.
 */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include "usernetns/ensure.h"
#include "usernetns/fault.h"
#include "usernetns/hostns.h"
#include "usernetns/ours.h"

int ensure_open_recorded(const struct uns_paths *p, const struct plan *plan, int *ret_fd,
			 struct netns_id *ret_id, struct errbuf *err)
{
	struct state_record rec;
	struct ours_found f;
	int fd, r;

	r = state_read(p, plan->owner, &rec, err);
	if (r == -ENOENT)
		errbuf_set(err, "%s has no namespace: log in, or run usernetns-create", plan->user);
	if (r < 0)
		return r;
	if (rec.phase == STATE_REMOVING) {
		errbuf_set(err, "'%s' is being removed (its last session ended); log in again",
			   rec.netns);
		return -ESTALE;
	}
	if (rec.phase != STATE_READY || !streq(rec.netns, plan->netns)) {
		errbuf_set(
			err,
			"its record is for '%s' and not complete; log in or run usernetns-create",
			rec.netns);
		return -ESTALE;
	}
	r = ours_netns(p->rundir, -1, plan->netns, &rec, &f, &fd, err);
	if (r < 0)
		return r;
	if (f.verdict == OURS_ACTIVE) {
		*ret_fd = fd;
		*ret_id = f.id;
		return 0;
	}
	if (!f.mounted) {
		errbuf_set(err, "it is not there; log in or run usernetns-create");
		return -ENOENT;
	}
	errbuf_set(
		err,
		"the namespace under that name is not the one usernetns made (inode %llu, recorded %llu)",
		(unsigned long long)f.id.ino, (unsigned long long)rec.id.ino);
	return -EPERM;
}

int ensure_join(const struct uns_paths *p, const struct plan *plan, struct errbuf *err)
{
	struct hostns_saved back;
	struct netns_id id;
	struct state_record rec;
	struct errbuf ignored;
	int fd, r;

	r = hostns_save(&back, err);
	if (r < 0)
		return r;
	r = ensure_open_recorded(p, plan, &fd, &id, err);
	if (r < 0) {
		hostns_saved_close(&back);
		return r;
	}
	r = fault_err("join.opened", err);
	if (r == 0)
		r = netns_enter(fd, &id, err);
	close(fd);
	if (r == 0)
		r = fault_err("join.entered", err);
	/*
	 * Inside now, where a removal that has not marked the record yet will
	 * see us.  One that has may already have looked, and found nobody.
	 */
	if (r == 0) {
		r = state_read(p, plan->owner, &rec, err);
		if (r == -ENOENT ||
		    (r == 0 && (rec.phase != STATE_READY || !netns_id_equal(&rec.id, &id)))) {
			errbuf_set(err,
				   "'%s' is being removed (its last session ended); log in again",
				   plan->netns);
			r = -ESTALE;
		}
	}
	/* Back where we came from, whatever happened. */
	if (r < 0 && hostns_restore(&back, &ignored) < 0)
		r = -ENOTRECOVERABLE;
	hostns_saved_close(&back);
	return r;
}
