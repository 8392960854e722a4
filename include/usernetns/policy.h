/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The policy: usernetns.conf read with inih into a validated struct, and
 * the rules for names.  See usernetns.conf(5) for the file format and
 * every rule enforced here, lib/policy-internal.h for the parts.
 */
#ifndef USERNETNS_POLICY_H
#define USERNETNS_POLICY_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "usernetns/addr.h"
#include "usernetns/diag.h"
#include "usernetns/limits.h"

/* Limits on what a policy file may hold (names and ids: usernetns/limits.h). */
#define POLICY_FILE_MAX (4u << 20) /* bytes */
#define POLICY_SECTIONS_MAX 10000u
#define POLICY_TEMPLATE_MAX 64u /* bytes of a name template */

/* Entries of a deny or allow list; address ranges (pools, fixed blocks). */
#define POLICY_EGRESS_MAX 32u
#define POLICY_RANGES_MAX 64u

/* Resolvers of dns = ADDR, as many as resolv.conf names (MAXNS). */
#define POLICY_DNS_MAX 3u

/* Flags for policy_load() and policy_parse(). */
enum {
	/*
	 * Look up the users and groups sections name (NSS): a user nobody is
	 * is a warning, a group nobody is an error; and warn of SSSD's
	 * settings that hide members (policy_check_sssd()).
	 */
	POLICY_CHECK_NAMES = 1u << 0,
	/*
	 * Return an invalid policy too (still with -EINVAL), marked invalid,
	 * so that a caller can honour what policy_fallback() takes from it.
	 * Nothing else of it may be used.
	 */
	POLICY_KEEP_INVALID = 1u << 1,
};

enum policy_mode {
	POLICY_MODE_NONE,
	POLICY_MODE_ISOLATED,
	POLICY_MODE_VETH,
	POLICY_MODE_BRIDGE,
	POLICY_MODE_NAT,
};

enum policy_on_error {
	POLICY_ON_ERROR_FAIL,
	POLICY_ON_ERROR_IGNORE,
};

enum policy_teardown {
	POLICY_TEARDOWN_LAST_LOGOUT,
	POLICY_TEARDOWN_NEVER,
};

enum policy_forwarding {
	POLICY_FORWARDING_CHECK,  /* refuse to load while forwarding is off */
	POLICY_FORWARDING_ENABLE, /* turn it on */
};

enum policy_nat6 {
	POLICY_NAT6_AUTO, /* translate unique local pools, route global ones */
	POLICY_NAT6_YES,
	POLICY_NAT6_NO,
};

/* Where the namespace's queries to a loopback resolver go. */
enum policy_dns_kind {
	POLICY_DNS_INHERIT,  /* nowhere else: resolv.conf as it is */
	POLICY_DNS_HOST_END, /* the host end's IPv4 address */
	POLICY_DNS_ADDRS,    /* the resolvers given */
	POLICY_DNS_HOST,     /* the host's own resolvers (its resolv.conf), at each login */
};

struct policy_dns {
	enum policy_dns_kind kind;
	size_t n; /* POLICY_DNS_ADDRS */
	struct addr_prefix addr[POLICY_DNS_MAX];
};

/* Whose namespace a [group:NAME] section gives. */
enum policy_share {
	POLICY_SHARE_USER,  /* each member their own (the default) */
	POLICY_SHARE_GROUP, /* one for the group, which its members share */
};

enum policy_rule_kind {
	POLICY_RULE_DEFAULT,
	POLICY_RULE_GROUP,
	POLICY_RULE_USER,
};

enum policy_key {
	/* [global], and [group:NAME] with share = group */
	POLICY_KEY_NETNS_NAME,
	POLICY_KEY_HOST_IFNAME,
	/* [global] */
	POLICY_KEY_PEER_IFNAME,
	POLICY_KEY_MIN_UID,
	POLICY_KEY_ON_ERROR,
	POLICY_KEY_TEARDOWN,
	POLICY_KEY_ADMIN_GROUP,
	POLICY_KEY_FORWARDING,
	POLICY_KEY_HOSTNAME,
	/* [default], [group:NAME], [user:NAME] */
	POLICY_KEY_MODE,
	POLICY_KEY_POOL4,
	POLICY_KEY_PREFIX4,
	POLICY_KEY_POOL6,
	POLICY_KEY_PREFIX6,
	POLICY_KEY_ADDRESS4,
	POLICY_KEY_ADDRESS6,
	POLICY_KEY_MTU,
	POLICY_KEY_BRIDGE,
	POLICY_KEY_UPLINK,
	POLICY_KEY_NAT6,
	POLICY_KEY_DENY,
	POLICY_KEY_ALLOW,
	POLICY_KEY_PORT_ISOLATION,
	POLICY_KEY_DNS,
	POLICY_KEY_RATE_OUT,
	POLICY_KEY_RATE_IN,
	POLICY_KEY_BURST,
	/* [group:NAME] */
	POLICY_KEY_SHARE,
	POLICY_KEY__MAX
};

/*
 * One entry of a deny or allow list: a network ("192.168.0.0/16"), a
 * protocol with or without ports ("tcp/25", "udp"), or both
 * ("udp/1-1023@192.0.2.0/24").
 */
struct policy_egress {
	struct addr_prefix net;	     /* family 0: every destination, IPv4 and IPv6 */
	uint8_t proto;		     /* IPPROTO_TCP, _UDP, _SCTP; 0: every protocol */
	uint16_t port_min, port_max; /* destination ports; 0, 0: every port */
};

struct policy_egress_list {
	size_t n;
	struct policy_egress v[POLICY_EGRESS_MAX];
};

/* "tcp/25@192.0.2.0/24" as the policy writes it; buf holds POLICY_EGRESS_STRLEN. */
#define POLICY_EGRESS_STRLEN (ADDR_PREFIX_STRLEN + 24)
const char *policy_egress_format(const struct policy_egress *e, char *buf, size_t size);

/* The protocol's name in an entry ("tcp"), or NULL for one we do not name. */
const char *policy_egress_proto_name(uint8_t proto);

/*
 * Does entry e cover traffic of protocol proto (IPPROTO_*) to port of
 * address a (a /32 or /128)?
 */
bool policy_egress_covers(const struct policy_egress *e, const struct addr_prefix *a, uint8_t proto,
			  uint16_t port);

struct policy_global {
	unsigned int line;			/* of [global]; 0 if absent */
	unsigned int key_line[POLICY_KEY__MAX]; /* 0: not in the file */
	uint32_t bad_keys;			/* bit per key whose value was rejected */
	char netns_name[POLICY_TEMPLATE_MAX];
	char host_ifname[POLICY_TEMPLATE_MAX];
	char peer_ifname[POLICY_TEMPLATE_MAX];
	uid_t min_uid;
	enum policy_on_error on_error;
	enum policy_teardown teardown;
	char admin_group[POLICY_NAME_MAX]; /* "" when none */
	enum policy_forwarding forwarding;
	char hostname[POLICY_TEMPLATE_MAX]; /* "" when namespaces get no host name */
};

/*
 * One [default], [group:NAME] or [user:NAME] section.  The values are the
 * effective ones: what the section sets, else what [default] sets, else
 * the built-in default.  key_line tells which keys the section itself set.
 */
struct policy_rule {
	enum policy_rule_kind kind;
	char *name;	   /* NULL for [default] */
	unsigned int line; /* of the header; 0 if built in */
	unsigned int key_line[POLICY_KEY__MAX];
	uint32_t bad_keys; /* bit per key whose value was rejected */

	enum policy_mode mode;
	struct addr_prefix pool4, pool6;       /* family 0 when unset */
	unsigned int prefix4, prefix6;	       /* block sizes leased from pools */
	struct addr_prefix address4, address6; /* fixed; [user:] only */
	unsigned int mtu;
	char bridge[IFNAMSIZ];
	char uplink[IFNAMSIZ]; /* mode nat: "" for auto */
	enum policy_nat6 nat6;
	struct policy_egress_list deny;	 /* never reachable */
	struct policy_egress_list allow; /* only these; empty: everything */
	bool port_isolation;		 /* mode bridge: ports isolated */
	struct policy_dns dns;
	/*
	 * What the namespace may send (rate_out) and receive (rate_in), in
	 * bits per second, 0 for no limit; and how many bytes may pass at
	 * once above the rate (burst; 0: POLICY_BURST_AUTO).
	 */
	uint64_t rate_out, rate_in;
	uint32_t burst;

	enum policy_share share; /* [group:] only */
	/*
	 * share = group: the section's own templates (%g, %G), "" when it
	 * sets none.  Read them through policy_rule_netns_name() and
	 * policy_rule_host_ifname(), which know the defaults.
	 */
	char netns_name[POLICY_TEMPLATE_MAX];
	char host_ifname[POLICY_TEMPLATE_MAX];
};

struct policy {
	char *path;
	bool invalid; /* POLICY_KEEP_INVALID: see there */
	struct policy_global global;
	struct policy_rule defaults;
	struct policy_rule *rules; /* groups and users, file order */
	size_t n_rules;
	/*
	 * Every address range users' addresses come from (pools and fixed
	 * blocks, in network form, each once): what no user may reach of
	 * another's.
	 */
	struct addr_prefix ranges[POLICY_RANGES_MAX];
	size_t n_ranges;
};

/*
 * Read and validate the policy at path.  The file is opened without
 * following symlinks and must be a regular file owned by root (or by
 * trusted_uid, when that is not 0: meant for a caller checking its own
 * draft) that neither group nor others can write, in a directory they
 * cannot write either.  Every problem found is added to diag as
 * "PATH:LINE: message".  Returns 0 and the policy, -EINVAL when the
 * policy is invalid, or another -errno when it could not be read.
 */
int policy_load(const char *path, uid_t trusted_uid, unsigned int flags, struct policy **ret,
		struct diag *diag);

/* The same for a policy already in memory; name is used in messages. */
int policy_parse(const char *name, const char *buf, size_t len, unsigned int flags,
		 struct policy **ret, struct diag *diag);

void policy_free(struct policy *p);

/*
 * What still holds while the policy cannot be used.  From the file only
 * what it says itself, validly, in its [global] section (the first, if it
 * has two), and only when policy_load() read it: invalid is what
 * POLICY_KEEP_INVALID kept, or NULL when the file was missing, unsafe
 * (writable by others, not root's, a symbolic link) or unreadable, whose
 * content is not trusted at all.  Everything else is the built-in
 * default: on_error = fail, min_uid = 1000.  A root-owned file that an
 * admin mistyped is the admin's; a min_uid from it exempts no more than
 * its on_error = ignore would (everybody), and one an attacker could
 * write is never read.
 */
struct policy_fallback {
	enum policy_on_error on_error;
	uid_t min_uid;
	unsigned int min_uid_line; /* of the file's min_uid; 0: built in */
};

void policy_fallback(const struct policy *invalid, struct policy_fallback *ret);

const char *policy_mode_to_string(enum policy_mode mode);
/* The inverse, for records: -EINVAL for anything else. */
int policy_mode_from_string(const char *s, enum policy_mode *ret);
const char *policy_on_error_to_string(enum policy_on_error e);
const char *policy_teardown_to_string(enum policy_teardown t);

/* Does this mode put addresses on a veth pair? */
bool policy_mode_has_link(enum policy_mode mode);

/*
 * Is the IPv6 pool translated (NAT66) in mode nat?  nat6 = auto does it
 * for unique local pools (fc00::/7) only: a global pool is routed.
 */
bool policy_nat6_translates(enum policy_nat6 nat6, const struct addr_prefix *pool6);

/*
 * Can a resolver have this IPv4 address beyond a namespace?  Not a
 * loopback one (the namespace's own), 0.0.0.0/8, multicast or above.
 */
bool policy_dns_address_ok(const struct addr_prefix *a);

/*
 * Expand a validated name template: %u is the user name, %U the uid, %%
 * a percent sign.  -ENAMETOOLONG when the result does not fit size;
 * -EINVAL for any other escape, a group's %g and %G included.
 */
int policy_template_expand(const char *tmpl, const char *user, uint32_t uid, char *buf,
			   size_t size);

/*
 * The same for the template of a namespace shared by a group: %g is the
 * group name, %G the gid, %% a percent sign; -EINVAL for any other
 * escape, a user's %u and %U included.
 */
int policy_template_expand_group(const char *tmpl, const char *group, uint32_t gid, char *buf,
				 size_t size);

/*
 * Is name a namespace name iproute2 accepts (and one that needs no
 * quoting: no white space or control characters)?
 */
bool policy_netns_name_valid(const char *name);

/*
 * Could a host name from p's hostname template be name (ignoring case)?
 * Every such name begins with the template's fixed start and ends with
 * its fixed end; the namespace names among them are not published, as a
 * user's host name may be the very same (user user-bob's user-bob.netns
 * is user bob.netns's namespace name with netns_name = user-%u).  False
 * without a template.
 */
bool policy_hostname_claims(const struct policy *p, const char *name);

/*
 * May a user name from NSS be written into our records and leases: not
 * empty, no control characters (a line break would add lines)?  Names a
 * directory can hold beyond what useradd allows (spaces, say) are fine.
 */
bool policy_user_name_valid(const char *name);

/*
 * "[default]", "[group:NAME]", "[user:NAME]": a section as the file has
 * it, in a buffer of POLICY_LABEL_MAX bytes.
 */
#define POLICY_LABEL_MAX (POLICY_NAME_MAX + 16)
/* rate_out and rate_in: bits per second. */
#define POLICY_RATE_MIN UINT64_C(64000)
#define POLICY_RATE_MAX UINT64_C(100000000000)
/* burst: bytes; at least a packet: the mtu and its Ethernet header. */
#define POLICY_LINK_HEADER 14u
/* "100000000kbit", "none" */
#define POLICY_RATE_STRLEN 24

/* A rate as the policy writes it, in its largest whole unit ("20mbit"), or "none" for 0. */
const char *policy_rate_format(uint64_t bits, char *buf, size_t size);
#define POLICY_BURST_MAX (64u << 20)
const char *policy_section_label(enum policy_rule_kind kind, const char *name, char *buf,
				 size_t size);

/* Does the rule give one namespace to a whole group (share = group)? */
bool policy_rule_shared(const struct policy_rule *r);

/*
 * The templates of the namespace and host end a rule gives: for a shared
 * section its own (host_ifname "vg%G" when it sets none), to expand with
 * policy_template_expand_group(); for every other rule [global]'s, to
 * expand with policy_template_expand().  Never NULL.
 */
const char *policy_rule_netns_name(const struct policy *p, const struct policy_rule *r);
const char *policy_rule_host_ifname(const struct policy *p, const struct policy_rule *r);

/*
 * The fixed starts of the host_ifname templates in use ("vu" of vu%U),
 * [global]'s first, then each shared section's, each once: every host end
 * of ours begins with one of them, and (policy-clash.c) none of them
 * begins another, so a user's host end never takes a group's name and
 * each can be told by its start.  [global]'s may be "" (a template that
 * starts with %U) while no section is shared; a shared section's never
 * is.  ret has room for p->n_rules + 1; returns how many were filled in.
 */
size_t policy_host_end_starts(const struct policy *p, char (*ret)[IFNAMSIZ]);

/*
 * Where SSSD keeps its settings; policy_check_sssd() warns of those under
 * dir (sssd.conf and the .conf files of conf.d, where readable) that keep
 * NSS from saying a user left a group.  For dry runs (POLICY_CHECK_NAMES)
 * only.
 */
#define SSSD_CONF_DIR "/etc/sssd"
void policy_check_sssd(const char *dir, struct diag *d);

/* The rule for a user name, a group name, or NULL. */
const struct policy_rule *policy_find_rule(const struct policy *p, enum policy_rule_kind kind,
					   const char *name);

#endif
