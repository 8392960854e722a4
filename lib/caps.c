/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"

#include <cap-ng.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "usernetns/caps.h"

void caps_format(const int *caps, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (const int *c = caps; *c != CAPS_END && n < size; c++) {
		const char *name = capng_capability_to_name((unsigned int)*c);

		n += (size_t)snprintf(buf + n, size - n, "%scap_%s", c == caps ? "" : ",",
				      name ? name : "?");
	}
}

int caps_init(const char *prog, const int *want, struct errbuf *err)
{
	int missing[64], n = 0;
	char names[512];

	if (capng_get_caps_process() < 0) {
		errbuf_set(err, "cannot read the capabilities of this process");
		return -EIO;
	}
	/*
	 * no_new_privs is the caller's promise that nothing it runs gains
	 * privilege.  Not every kernel keeps file capabilities from being
	 * granted under it, so we keep the promise ourselves; root's own
	 * capabilities are no gain.
	 */
	if (getuid() != 0 && prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1) {
		errbuf_set(
			err,
			"the caller set no_new_privs: refusing to use the file capabilities of %s",
			prog);
		return -EPERM;
	}
	for (const int *c = want; *c != CAPS_END && n < 63; c++)
		if (!capng_have_capability(CAPNG_PERMITTED, (unsigned int)*c))
			missing[n++] = *c;
	missing[n] = CAPS_END;
	if (n > 0) {
		caps_format(missing, names, sizeof(names));
		errbuf_set(
			err,
			"missing capabilities %s: run it as root, or give the binary its file capabilities (setcap %s+p %s, as make install does)",
			names, names, prog);
		return -EPERM;
	}
	return caps_lower();
}

int caps_reload(void)
{
	return capng_get_caps_process() < 0 ? -EIO : 0;
}

int caps_raise(const int *want, struct errbuf *err)
{
	for (const int *c = want; *c != CAPS_END; c++)
		capng_update(CAPNG_ADD, CAPNG_EFFECTIVE, (unsigned int)*c);
	if (capng_apply(CAPNG_SELECT_CAPS) < 0) {
		errbuf_errno(err, -errno, "cannot raise capabilities");
		return -EPERM;
	}
	return 0;
}

int caps_lower(void)
{
	if (capng_get_caps_process() < 0)
		return -EIO;
	/* Numbers the kernel does not know are refused: nothing to drop. */
	for (unsigned int c = 0; c < 64; c++)
		capng_update(CAPNG_DROP, CAPNG_EFFECTIVE, c);
	return capng_apply(CAPNG_SELECT_CAPS) < 0 ? -EPERM : 0;
}

int caps_fs_root(bool on, struct errbuf *err)
{
	static const int setid[] = { CAP_SETUID, CAP_SETGID, CAPS_END };
	uid_t uid = on ? 0 : getuid();
	gid_t gid = on ? 0 : getgid();
	int r;

	if (getuid() == 0)
		return 0; /* root's files are root's already */
	r = caps_raise(setid, err);
	if (r < 0)
		return r;
	/* setfsuid() reports the previous value: check by reading back. */
	setfsuid(uid);
	setfsgid(gid);
	r = (uid_t)setfsuid((uid_t)-1) == uid && (gid_t)setfsgid((gid_t)-1) == gid ? 0 : -EPERM;
	caps_lower();
	if (r < 0)
		errbuf_set(err, "cannot change the filesystem uid");
	return r;
}

int caps_drop_all(struct errbuf *err)
{
	capng_clear(CAPNG_SELECT_CAPS);
	if (capng_apply(CAPNG_SELECT_CAPS) < 0) {
		errbuf_errno(err, -errno, "cannot drop capabilities");
		return -EPERM;
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) {
		errbuf_errno(err, -errno, "cannot clear the ambient capabilities");
		return -EPERM;
	}
	return 0;
}

int caps_pass_on(int cap, struct errbuf *err)
{
	if (capng_get_caps_process() < 0)
		return errbuf_errno(err, -EIO, "cannot read the capabilities");
	capng_update(CAPNG_ADD, CAPNG_INHERITABLE, (unsigned int)cap);
	if (capng_apply(CAPNG_SELECT_CAPS) < 0)
		return errbuf_errno(err, -errno, "cannot make a capability inheritable");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
		return errbuf_errno(err, -errno, "cannot make a capability ambient");
	return 0;
}
