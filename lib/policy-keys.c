/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The keys of the policy: one table, each key with where it may appear,
 * the type of its value and where the value goes.  A key is parsed by its
 * type; no key has code of its own.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy-internal.h"

static const char *const mode_names[] = {
	[POLICY_MODE_NONE] = "none", [POLICY_MODE_ISOLATED] = "isolated",
	[POLICY_MODE_VETH] = "veth", [POLICY_MODE_BRIDGE] = "bridge",
	[POLICY_MODE_NAT] = "nat",
};

static const char *const on_error_names[] = {
	[POLICY_ON_ERROR_FAIL] = "fail",
	[POLICY_ON_ERROR_IGNORE] = "ignore",
};

static const char *const forwarding_names[] = {
	[POLICY_FORWARDING_CHECK] = "check",
	[POLICY_FORWARDING_ENABLE] = "enable",
};

static const char *const nat6_names[] = {
	[POLICY_NAT6_AUTO] = "auto",
	[POLICY_NAT6_YES] = "yes",
	[POLICY_NAT6_NO] = "no",
};

static const char *const share_names[] = {
	[POLICY_SHARE_USER] = "user",
	[POLICY_SHARE_GROUP] = "group",
};

static const char *const teardown_names[] = {
	[POLICY_TEARDOWN_LAST_LOGOUT] = "last-logout",
	[POLICY_TEARDOWN_NEVER] = "never",
};

const char *policy_mode_to_string(enum policy_mode mode)
{
	return (size_t)mode < ELEMENTSOF(mode_names) ? mode_names[mode] : "?";
}

int policy_mode_from_string(const char *s, enum policy_mode *ret)
{
	for (size_t i = 0; i < ELEMENTSOF(mode_names); i++)
		if (mode_names[i] && streq(s, mode_names[i])) {
			*ret = (enum policy_mode)i;
			return 0;
		}
	return -EINVAL;
}

const char *policy_on_error_to_string(enum policy_on_error e)
{
	return (size_t)e < ELEMENTSOF(on_error_names) ? on_error_names[e] : "?";
}

const char *policy_teardown_to_string(enum policy_teardown t)
{
	return (size_t)t < ELEMENTSOF(teardown_names) ? teardown_names[t] : "?";
}

bool policy_nat6_translates(enum policy_nat6 nat6, const struct addr_prefix *pool6)
{
	static const struct addr_prefix ula = { .family = AF_INET6, .len = 7, .bytes = { 0xfc } };

	switch (nat6) {
	case POLICY_NAT6_YES:
		return true;
	case POLICY_NAT6_NO:
		return false;
	case POLICY_NAT6_AUTO:
		break;
	}
	return addr_prefix_contains(&ula, pool6);
}

bool policy_dns_address_ok(const struct addr_prefix *a)
{
	return a->family == AF_INET && a->bytes[0] != 127 && a->bytes[0] != 0 && a->bytes[0] < 224;
}

bool policy_mode_has_link(enum policy_mode mode)
{
	return mode == POLICY_MODE_VETH || mode == POLICY_MODE_BRIDGE || mode == POLICY_MODE_NAT;
}

/* ---- the table ---------------------------------------------------------- */

#define G(f)                                                \
	.global_offset = offsetof(struct policy_global, f), \
	.size = sizeof(((struct policy_global *)0)->f)
#define R(f) \
	.rule_offset = offsetof(struct policy_rule, f), .size = sizeof(((struct policy_rule *)0)->f)
/* In [global], and in a section as well. */
#define GR(f) G(f), .rule_offset = offsetof(struct policy_rule, f)
#define NAMES(v) .names = (v), .n_names = ELEMENTSOF(v)
/* A type that needs no argument (said, for -Wmissing-field-initializers). */
#define NO_ARG .names = NULL

#define FIXED_ADDRESS_WHY "a fixed address is for one user"
#define SHARED_NAME_WHY "a section names its namespace and host end only with share = group"

/* Sorted by name: keys are found with bsearch(). */
const struct key_def policy_keys[] = {
	{ "address4", POLICY_KEY_ADDRESS4, IN_USER, KEY_ADDRESS, R(address4), .family = AF_INET,
	  .why = FIXED_ADDRESS_WHY },
	{ "address6", POLICY_KEY_ADDRESS6, IN_USER, KEY_ADDRESS, R(address6), .family = AF_INET6,
	  .why = FIXED_ADDRESS_WHY },
	{ "admin_group", POLICY_KEY_ADMIN_GROUP, IN_GLOBAL, KEY_ACCOUNT, G(admin_group), NO_ARG },
	{ "allow", POLICY_KEY_ALLOW, IN_RULES, KEY_EGRESS_LIST, R(allow), NO_ARG },
	{ "bridge", POLICY_KEY_BRIDGE, IN_RULES, KEY_IFNAME, R(bridge), NO_ARG },
	/* A packet must fit: checked against the section's mtu. */
	{ "burst", POLICY_KEY_BURST, IN_RULES, KEY_SIZE, R(burst), .min = 1024,
	  .max = POLICY_BURST_MAX },
	{ "deny", POLICY_KEY_DENY, IN_RULES, KEY_EGRESS_LIST, R(deny), NO_ARG },
	{ "dns", POLICY_KEY_DNS, IN_RULES, KEY_DNS, R(dns), NO_ARG },
	{ "forwarding", POLICY_KEY_FORWARDING, IN_GLOBAL, KEY_ENUM, G(forwarding),
	  NAMES(forwarding_names) },
	{ "host_ifname", POLICY_KEY_HOST_IFNAME, IN_GLOBAL | IN_GROUP, KEY_TEMPLATE,
	  GR(host_ifname), .template = TEMPLATE_HOST_IFNAME, .why = SHARED_NAME_WHY },
	{ "hostname", POLICY_KEY_HOSTNAME, IN_GLOBAL, KEY_TEMPLATE, G(hostname),
	  .template = TEMPLATE_HOSTNAME },
	{ "min_uid", POLICY_KEY_MIN_UID, IN_GLOBAL, KEY_UINT, G(min_uid), .min = 0,
	  .max = POLICY_UID_MAX },
	{ "mode", POLICY_KEY_MODE, IN_RULES, KEY_ENUM, R(mode), NAMES(mode_names) },
	/* 68 is the IPv4 minimum (RFC 791), 65535 the veth maximum. */
	{ "mtu", POLICY_KEY_MTU, IN_RULES, KEY_UINT, R(mtu), .min = 68, .max = 65535 },
	{ "nat6", POLICY_KEY_NAT6, IN_RULES, KEY_ENUM, R(nat6), NAMES(nat6_names) },
	{ "netns_name", POLICY_KEY_NETNS_NAME, IN_GLOBAL | IN_GROUP, KEY_TEMPLATE, GR(netns_name),
	  .template = TEMPLATE_NETNS, .why = SHARED_NAME_WHY },
	{ "on_error", POLICY_KEY_ON_ERROR, IN_GLOBAL, KEY_ENUM, G(on_error),
	  NAMES(on_error_names) },
	{ "peer_ifname", POLICY_KEY_PEER_IFNAME, IN_GLOBAL, KEY_TEMPLATE, G(peer_ifname),
	  .template = TEMPLATE_PEER_IFNAME },
	{ "pool4", POLICY_KEY_POOL4, IN_RULES, KEY_POOL, R(pool4), .family = AF_INET },
	{ "pool6", POLICY_KEY_POOL6, IN_RULES, KEY_POOL, R(pool6), .family = AF_INET6 },
	{ "port_isolation", POLICY_KEY_PORT_ISOLATION, IN_RULES, KEY_BOOL, R(port_isolation),
	  NO_ARG },
	/* A block must hold a host end and a namespace end. */
	{ "prefix4", POLICY_KEY_PREFIX4, IN_RULES, KEY_UINT, R(prefix4), .min = 1, .max = 31 },
	{ "prefix6", POLICY_KEY_PREFIX6, IN_RULES, KEY_UINT, R(prefix6), .min = 1, .max = 127 },
	{ "rate_in", POLICY_KEY_RATE_IN, IN_RULES, KEY_RATE, R(rate_in), NO_ARG },
	{ "rate_out", POLICY_KEY_RATE_OUT, IN_RULES, KEY_RATE, R(rate_out), NO_ARG },
	{ "share", POLICY_KEY_SHARE, IN_GROUP, KEY_ENUM, R(share), NAMES(share_names),
	  .why = "only a group's members can share a namespace" },
	{ "teardown", POLICY_KEY_TEARDOWN, IN_GLOBAL, KEY_ENUM, G(teardown),
	  NAMES(teardown_names) },
	{ "uplink", POLICY_KEY_UPLINK, IN_RULES, KEY_UPLINK, R(uplink), NO_ARG },
};

const size_t policy_n_keys = ELEMENTSOF(policy_keys);

#undef G
#undef R
#undef GR
#undef FIXED_ADDRESS_WHY
#undef SHARED_NAME_WHY
#undef NAMES
#undef NO_ARG

static int key_def_compare(const void *key, const void *elem)
{
	return strcmp(key, ((const struct key_def *)elem)->name);
}

const struct key_def *policy_key_find(const char *name)
{
	return bsearch(name, policy_keys, policy_n_keys, sizeof(policy_keys[0]), key_def_compare);
}

const char *policy_key_name(enum policy_key key)
{
	for (size_t i = 0; i < policy_n_keys; i++)
		if (policy_keys[i].key == key)
			return policy_keys[i].name;
	return "?";
}

/* ---- values, by type --------------------------------------------------------- */

static int parse_enum(const struct key_def *k, const char *value, void *dst, struct errbuf *err)
{
	char expected[256];
	size_t used = 0;

	for (size_t i = 0; i < k->n_names; i++)
		if (streq(value, k->names[i])) {
			/* Every enum of the policy is an int. */
			*(int *)dst = (int)i;
			return 0;
		}
	for (size_t i = 0; i < k->n_names && used < sizeof(expected); i++) {
		const char *sep = i == 0 ? "" : i + 1 == k->n_names ? " or " : ", ";

		used += (size_t)snprintf(expected + used, sizeof(expected) - used, "%s%s", sep,
					 k->names[i]);
	}
	errbuf_set(err, "expected %s", expected);
	return -EINVAL;
}

static int parse_uint(const struct key_def *k, const char *value, void *dst, struct errbuf *err)
{
	unsigned long v;

	if (util_parse_ulong(value, &v) < 0) {
		errbuf_set(err, "not a decimal number");
		return -EINVAL;
	}
	if (v < k->min || v > k->max) {
		errbuf_set(err, "out of range (%lu-%lu)", k->min, k->max);
		return -EINVAL;
	}
	/* uid_t and unsigned int alike: both 32 bits. */
	*(uint32_t *)dst = (uint32_t)v;
	return 0;
}

/*
 * A number with a unit of units (each a suffix and its multiplier, the
 * first the smallest), in [min, max] once multiplied.
 */
struct unit {
	const char *suffix;
	uint64_t times;
};

static int parse_with_unit(const char *value, const struct unit *units, size_t n_units,
			   uint64_t min, uint64_t max, uint64_t *ret, struct errbuf *err)
{
	const char *end;
	uint64_t v;

	char expected[64];
	size_t used = 0;

	for (size_t i = 0; i < n_units && used < sizeof(expected); i++)
		used += (size_t)snprintf(expected + used, sizeof(expected) - used, "%s%s",
					 i == 0		  ? "" :
					 i + 1 == n_units ? " or " :
							    ", ",
					 units[i].suffix);
	if (util_parse_decimal(value, UINT64_MAX, &v, &end) < 0 || !*end) {
		errbuf_set(err, "expected a number and a unit (%s)", expected);
		return -EINVAL;
	}
	for (size_t i = 0; i < n_units; i++) {
		if (!streq(end, units[i].suffix))
			continue;
		if (v > max / units[i].times || v * units[i].times < min) {
			errbuf_set(err, "out of range (%" PRIu64 "%s-%" PRIu64 "%s)",
				   min / units[1].times, units[1].suffix,
				   max / units[n_units - 1].times, units[n_units - 1].suffix);
			return -EINVAL;
		}
		*ret = v * units[i].times;
		return 0;
	}
	errbuf_set(err, "unknown unit '%s' (expected %s)", end, expected);
	return -EINVAL;
}

/* Bits per second, decimal units as tc(8) has them. */
static const struct unit rate_units[] = {
	{ "bit", 1 },
	{ "kbit", 1000 },
	{ "mbit", 1000 * 1000 },
	{ "gbit", 1000 * 1000 * 1000 },
};

const char *policy_rate_format(uint64_t bits, char *buf, size_t size)
{
	size_t i = ELEMENTSOF(rate_units) - 1;

	if (!bits) {
		snprintf(buf, size, "none");
		return buf;
	}
	while (i > 0 && bits % rate_units[i].times != 0)
		i--;
	snprintf(buf, size, "%" PRIu64 "%s", bits / rate_units[i].times, rate_units[i].suffix);
	return buf;
}

/* "none": no limit. */
static int parse_rate(const char *value, void *dst, struct errbuf *err)
{
	const struct unit *units = rate_units;

	if (streq(value, "none")) {
		*(uint64_t *)dst = 0;
		return 0;
	}
	return parse_with_unit(value, units, ELEMENTSOF(rate_units), POLICY_RATE_MIN,
			       POLICY_RATE_MAX, dst, err);
}

/* Bytes, binary units as tc(8) has them. */
static int parse_size(const struct key_def *k, const char *value, void *dst, struct errbuf *err)
{
	static const struct unit units[] = {
		{ "b", 1 },
		{ "kb", 1024 },
		{ "mb", 1024 * 1024 },
	};
	uint64_t v;
	int r = parse_with_unit(value, units, ELEMENTSOF(units), k->min, k->max, &v, err);

	if (r == 0)
		*(uint32_t *)dst = (uint32_t)v;
	return r;
}

/* An address/length the namespace end can take, else why not. */
static int parse_address(const struct key_def *k, const char *value, void *dst, struct errbuf *err)
{
	struct addr_prefix host, peer, block;
	char hbuf[ADDR_PREFIX_STRLEN], pbuf[ADDR_PREFIX_STRLEN];
	struct errbuf why;
	int r;

	r = addr_prefix_parse(value, k->family, true, dst, err);
	if (r < 0)
		return r;
	r = addr_check_peer(dst, &why);
	if (r < 0) {
		block = addr_prefix_network(dst);
		if (addr_block_ends(&block, &host, &peer) == 0)
			errbuf_set(err, "%s (the host end takes %s; the namespace end could be %s)",
				   why.msg, addr_prefix_format(&host, hbuf, sizeof(hbuf)),
				   addr_prefix_format(&peer, pbuf, sizeof(pbuf)));
		else
			errbuf_set(err, "%s", why.msg);
	}
	return r;
}

/*
 * The next entry of a comma-separated list in *cursor (modified in
 * place), without white space around it: 1 with *ret, 0 at the end,
 * -EINVAL for an empty entry.
 */
static int list_next(char **cursor, char **ret, struct errbuf *err)
{
	char *item = *cursor, *next, *end;

	if (!item)
		return 0;
	next = strchr(item, ',');
	if (next)
		*next++ = '\0';
	*cursor = next;
	while (*item == ' ' || *item == '\t')
		item++;
	end = item + strlen(item);
	while (end > item && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	if (!*item) {
		errbuf_set(err, "an empty entry (two commas, or one at an end)");
		return -EINVAL;
	}
	*ret = item;
	return 1;
}

/* ---- deny and allow ------------------------------------------------------ */

static const struct {
	const char *name;
	uint8_t number;
} egress_protos[] = {
	{ "tcp", IPPROTO_TCP },
	{ "udp", IPPROTO_UDP },
	{ "sctp", IPPROTO_SCTP },
};

const char *policy_egress_proto_name(uint8_t proto)
{
	for (size_t i = 0; i < ELEMENTSOF(egress_protos); i++)
		if (egress_protos[i].number == proto)
			return egress_protos[i].name;
	return NULL;
}

const char *policy_egress_format(const struct policy_egress *e, char *buf, size_t size)
{
	char net[ADDR_PREFIX_STRLEN] = "", ports[16] = "";

	if (addr_prefix_is_set(&e->net))
		addr_prefix_format(&e->net, net, sizeof(net));
	if (!e->proto) {
		snprintf(buf, size, "%s", net);
		return buf;
	}
	if (e->port_min && e->port_min == e->port_max)
		snprintf(ports, sizeof(ports), "/%u", e->port_min);
	else if (e->port_min)
		snprintf(ports, sizeof(ports), "/%u-%u", e->port_min, e->port_max);
	snprintf(buf, size, "%s%s%s%s", policy_egress_proto_name(e->proto), ports, *net ? "@" : "",
		 net);
	return buf;
}

bool policy_egress_covers(const struct policy_egress *e, const struct addr_prefix *a, uint8_t proto,
			  uint16_t port)
{
	if (addr_prefix_is_set(&e->net) && !addr_prefix_contains(&e->net, a))
		return false;
	if (e->proto && e->proto != proto)
		return false;
	return !e->port_min || (port >= e->port_min && port <= e->port_max);
}

/* A port: a decimal number from 1 to 65535, in s up to end. */
static int parse_port(const char *s, const char *end, uint16_t *ret)
{
	char buf[8];
	unsigned long v;

	if (end - s >= (ptrdiff_t)sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, (size_t)(end - s));
	buf[end - s] = '\0';
	if (util_parse_ulong(buf, &v) < 0 || v < 1 || v > 65535)
		return -EINVAL;
	*ret = (uint16_t)v;
	return 0;
}

/* "PROTO[/PORT[-PORT]]": the part of an entry before an "@". */
static int parse_egress_proto(const char *s, const char *end, struct policy_egress *e,
			      struct errbuf *err)
{
	const char *slash = memchr(s, '/', (size_t)(end - s)), *dash;
	size_t len = (size_t)((slash ? slash : end) - s);

	for (size_t i = 0; i < ELEMENTSOF(egress_protos) && !e->proto; i++)
		if (strlen(egress_protos[i].name) == len && !strncmp(s, egress_protos[i].name, len))
			e->proto = egress_protos[i].number;
	if (!e->proto) {
		errbuf_set(
			err,
			"neither a network nor a protocol (tcp, udp, sctp) with ports: write 10.0.0.0/8, tcp/25 or udp/53@192.0.2.0/24");
		return -EINVAL;
	}
	if (!slash)
		return 0;
	dash = memchr(slash + 1, '-', (size_t)(end - slash - 1));
	if (parse_port(slash + 1, dash ? dash : end, &e->port_min) < 0 ||
	    (dash && parse_port(dash + 1, end, &e->port_max) < 0)) {
		errbuf_set(err, "'%.*s' is not a port or a range of ports (1 to 65535)",
			   (int)(end - slash - 1), slash + 1);
		return -EINVAL;
	}
	if (!dash)
		e->port_max = e->port_min;
	if (e->port_min > e->port_max) {
		errbuf_set(err, "the range of ports %u-%u runs backwards", e->port_min,
			   e->port_max);
		return -EINVAL;
	}
	return 0;
}

/*
 * An entry: NETWORK, or PROTO[/PORT[-PORT]][@NETWORK].  A network alone
 * is IPv4 (a digit first) or IPv6 (a colon in it); it has no host bits:
 * it names a network, not an address in one.
 */
static int parse_egress(const char *item, struct policy_egress *ret, struct errbuf *err)
{
	struct policy_egress e = { 0 };
	const char *at = strchr(item, '@'), *net = item;

	if (at || !(isdigit((unsigned char)item[0]) || strchr(item, ':'))) {
		if (parse_egress_proto(item, at ? at : item + strlen(item), &e, err) < 0)
			return -EINVAL;
		if (!at) {
			*ret = e;
			return 0;
		}
		net = at + 1;
	}
	if (addr_prefix_parse(net, AF_UNSPEC, false, &e.net, err) < 0)
		return -EINVAL;
	*ret = e;
	return 0;
}

/*
 * "192.168.0.0/16, tcp/25, udp/1-1023@192.0.2.0/24": entries, added to
 * the list; "none" empties it (undoing what [default] gave).
 */
static int parse_egress_list(const char *value, struct policy_egress_list *list, struct errbuf *err)
{
	char buf[256], *cursor = buf, *item;
	struct errbuf why;
	int r;

	if (streq(value, "none")) {
		list->n = 0;
		return 0;
	}
	if (strlen(value) >= sizeof(buf)) {
		errbuf_set(err, "too long");
		return -EINVAL;
	}
	strcpy(buf, value);
	while ((r = list_next(&cursor, &item, err)) > 0) {
		if (list->n == POLICY_EGRESS_MAX) {
			errbuf_set(err, "more than %u entries", POLICY_EGRESS_MAX);
			return -EINVAL;
		}
		if (parse_egress(item, &list->v[list->n], &why) < 0) {
			errbuf_set(err, "%s: %s", item, why.msg);
			return -EINVAL;
		}
		list->n++;
	}
	return r;
}

/*
 * "inherit", "host-end", "host", or up to POLICY_DNS_MAX IPv4 addresses.
 * IPv4 only: the loopback resolvers whose queries go there are IPv4, and
 * a translation keeps the family.
 */
static int parse_dns(const char *value, struct policy_dns *dns, struct errbuf *err)
{
	static const struct {
		const char *name;
		enum policy_dns_kind kind;
	} words[] = {
		{ "inherit", POLICY_DNS_INHERIT },
		{ "host-end", POLICY_DNS_HOST_END },
		{ "host", POLICY_DNS_HOST },
	};
	struct policy_dns d = { .kind = POLICY_DNS_ADDRS };
	char buf[256], *cursor = buf, *item;
	int r;

	for (size_t i = 0; i < ELEMENTSOF(words); i++)
		if (streq(value, words[i].name)) {
			*dns = (struct policy_dns){ .kind = words[i].kind };
			return 0;
		}
	if (strlen(value) >= sizeof(buf)) {
		errbuf_set(err, "too long");
		return -EINVAL;
	}
	strcpy(buf, value);
	while ((r = list_next(&cursor, &item, err)) > 0) {
		struct addr_prefix *a = &d.addr[d.n];

		if (d.n == POLICY_DNS_MAX) {
			errbuf_set(err, "more than %u resolvers", POLICY_DNS_MAX);
			return -EINVAL;
		}
		if (inet_pton(AF_INET, item, a->bytes) != 1) {
			errbuf_set(
				err,
				"%s: expected inherit, host-end, host or IPv4 addresses (the loopback resolvers whose queries go there are IPv4)",
				item);
			return -EINVAL;
		}
		a->family = AF_INET;
		a->len = 32;
		if (!policy_dns_address_ok(a)) {
			errbuf_set(err, "%s: not an address a resolver can have elsewhere", item);
			return -EINVAL;
		}
		d.n++;
	}
	if (r < 0)
		return r;
	*dns = d;
	return 0;
}

/* A string, checked by check, into a buffer of the key's size. */
static int parse_string(const struct key_def *k, const char *value, void *dst, int r)
{
	if (r == 0)
		snprintf(dst, k->size, "%s", value);
	return r;
}

int policy_key_parse(const struct key_def *k, const char *value, unsigned int where, void *base,
		     struct errbuf *err)
{
	void *dst = (char *)base + (where == IN_GLOBAL ? k->global_offset : k->rule_offset);

	switch (k->type) {
	case KEY_ENUM:
		return parse_enum(k, value, dst, err);
	case KEY_UINT:
		return parse_uint(k, value, dst, err);
	case KEY_POOL:
		/* "none" undoes a pool a section would take from [default]. */
		if (streq(value, "none")) {
			*(struct addr_prefix *)dst = (struct addr_prefix){ 0 };
			return 0;
		}
		return addr_prefix_parse(value, k->family, false, dst, err);
	case KEY_ADDRESS:
		return parse_address(k, value, dst, err);
	case KEY_TEMPLATE:
		if (where == IN_GLOBAL)
			return parse_string(
				k, value, dst,
				policy_check_template(value, k->template, TEMPLATE_OF_USER, err));
		/*
		 * A section's template is a group's, but only with share =
		 * group, which a later line may set: policy-share.c checks it
		 * knowing the section's share.
		 */
		if (strlen(value) >= k->size) {
			errbuf_set(err, "longer than %zu bytes", k->size - 1);
			return -EINVAL;
		}
		return parse_string(k, value, dst, 0);
	case KEY_IFNAME:
		return parse_string(k, value, dst, policy_check_ifname(value, err));
	case KEY_ACCOUNT:
		return parse_string(k, value, dst, policy_check_account_name(value, err));
	case KEY_BOOL:
		if (streq(value, "yes") || streq(value, "no")) {
			*(bool *)dst = streq(value, "yes");
			return 0;
		}
		errbuf_set(err, "expected yes or no");
		return -EINVAL;
	case KEY_UPLINK:
		if (streq(value, "auto")) {
			*(char *)dst = '\0';
			return 0;
		}
		return parse_string(k, value, dst, policy_check_ifname(value, err));
	case KEY_EGRESS_LIST:
		return parse_egress_list(value, dst, err);
	case KEY_DNS:
		return parse_dns(value, dst, err);
	case KEY_RATE:
		return parse_rate(value, dst, err);
	case KEY_SIZE:
		return parse_size(k, value, dst, err);
	}
	errbuf_set(err, "key of an unknown type");
	return -EINVAL;
}

void policy_rule_inherit(struct policy_rule *r, const struct policy_rule *d)
{
	for (size_t i = 0; i < policy_n_keys; i++) {
		const struct key_def *k = &policy_keys[i];

		if (!(k->where & IN_DEFAULT) || r->key_line[k->key])
			continue;
		memcpy((char *)r + k->rule_offset, (const char *)d + k->rule_offset, k->size);
		if (d->bad_keys & (1u << k->key))
			r->bad_keys |= 1u << k->key;
	}
}

/* The table's assumptions about the types it writes. */
_Static_assert(POLICY_KEY__MAX <= 32, "bad_keys has a bit per key");
_Static_assert(sizeof(((struct policy_global *)0)->netns_name) ==
			       sizeof(((struct policy_rule *)0)->netns_name) &&
		       sizeof(((struct policy_global *)0)->host_ifname) ==
			       sizeof(((struct policy_rule *)0)->host_ifname),
	       "a key in [global] and in sections has one size");
_Static_assert(sizeof(uid_t) == sizeof(uint32_t), "uid_t is 32 bits");
_Static_assert(sizeof(unsigned int) == sizeof(uint32_t), "unsigned int is 32 bits");
_Static_assert(sizeof(enum policy_mode) == sizeof(int), "enums are ints");
