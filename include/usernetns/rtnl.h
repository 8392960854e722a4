/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rtnetlink: the few link, address, neighbour and route requests a
 * user's namespace needs, over the netlink core (nl.h).  One socket per
 * network namespace (a netlink socket acts in the namespace it was
 * created in).  Every request asks for an ACK, is sequence-checked, and
 * on failure returns -errno with the kernel's extended-ack text, if any,
 * in the message.  lib/rtnl.c holds the socket and links, rtnl-addr.c
 * addresses and neighbours, rtnl-route.c routes.
 */
#ifndef USERNETNS_RTNL_H
#define USERNETNS_RTNL_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#include "usernetns/addr.h"
#include "usernetns/util.h"

struct nl;

struct rtnl {
	struct nl *nl; /* NULL until rtnl_open() */
	/*
	 * A listing of links the kernel keeps marking interrupted (links
	 * come and go faster than it lists them: logins arriving during a
	 * cleanup of thousands) is an error, unless the caller takes its
	 * last listing as it is, because it checks again whatever it acts
	 * on (NL_DUMP_ACCEPT_INTERRUPTED).
	 */
	bool accept_interrupted;
};

#define RTNL_INIT ((struct rtnl){ 0 })

/* Links as RTM_GETLINK describes them; only what we look at. */
struct rtnl_link {
	int ifindex;
	char ifname[IFNAMSIZ];
	unsigned int flags; /* IFF_* */
	unsigned int mtu;
	int link;	     /* IFLA_LINK: a veth's peer ifindex */
	int master;	     /* IFLA_MASTER, 0 if none */
	char kind[16];	     /* IFLA_INFO_KIND, "" if none */
	char alias[64];	     /* IFLA_IFALIAS, "" if none */
	bool isolated;	     /* a bridge port with IFLA_BRPORT_ISOLATED */
	bool route_localnet; /* IPv4 takes 127.0.0.0/8 on the wire */
	uint8_t mac[6];	     /* IFLA_ADDRESS, when has_mac */
	bool has_mac;
	/* What it received and sent (IFLA_STATS64), when has_stats. */
	bool has_stats;
	uint64_t rx_bytes, rx_packets, tx_bytes, tx_packets;
	/* IPv6's settings of the link (IFLA_INET6_CONF), when it has IPv6 at all. */
	struct {
		bool known;
		bool accept_ra, autoconf, solicits_routers, accepts_redirects, disabled;
	} ipv6;
};

#define RTNL_MAC_LEN 6

/* A random Ethernet address, unicast and locally administered. */
int rtnl_random_mac(uint8_t ret[RTNL_MAC_LEN]);

/*
 * A permanent neighbour entry: addr (IPv4 or IPv6) is at mac on link
 * ifindex (ifname for messages), replacing any entry there.  Permanent
 * entries are never resolved, never expire, and do not count against the
 * neighbour tables' gc_thresh limits, which count every namespace's
 * entries together.
 */
int rtnl_neigh_set(struct rtnl *r, int ifindex, const char *ifname, const struct addr_prefix *addr,
		   const uint8_t mac[RTNL_MAC_LEN], struct errbuf *err);

/* Open a socket acting in the calling thread's current namespace. */
int rtnl_open(struct rtnl *r, struct errbuf *err);
void rtnl_close(struct rtnl *r);

/* -ENODEV when there is no such link. */
int rtnl_link_get(struct rtnl *r, const char *ifname, struct rtnl_link *ret, struct errbuf *err);
int rtnl_link_get_index(struct rtnl *r, int ifindex, struct rtnl_link *ret, struct errbuf *err);

/*
 * Call fn for every link of the namespace (a dump), once the kernel has
 * listed them all consistently: a dump it says was interrupted by a change
 * is started again.
 */
typedef int (*rtnl_link_fn)(const struct rtnl_link *l, void *data);
int rtnl_link_foreach(struct rtnl *r, rtnl_link_fn fn, void *data, struct errbuf *err);

struct rtnl_veth {
	const char *ifname; /* this end, in r's namespace */
	const char *peer_ifname;
	int peer_netns_fd; /* where the peer goes */
	unsigned int mtu;  /* both ends; 0: kernel default */
	int master;	   /* ifindex of a bridge for this end, or 0 */
	bool up;	   /* create this end up (the peer stays down) */
	/* The ends' hardware addresses (RTNL_MAC_LEN bytes), or NULL: the kernel's. */
	const uint8_t *mac, *peer_mac;
};

/*
 * One RTM_NEWLINK that creates the pair with the peer directly inside
 * its namespace.  -EEXIST when either name is taken.
 */
int rtnl_veth_create(struct rtnl *r, const struct rtnl_veth *v, struct errbuf *err);

int rtnl_link_delete(struct rtnl *r, int ifindex, const char *ifname, struct errbuf *err);

/*
 * Delete links at once: each joins a link group of its own (a random
 * number), then one RTM_DELLINK deletes the group, so that the kernel
 * waits for one RCU grace period instead of one per link.  Links already
 * gone are skipped.
 */
int rtnl_links_delete(struct rtnl *r, const int *ifindex, size_t n, struct errbuf *err);

/* A change to a link; what is not given is left as it is. */
struct rtnl_link_change {
	int ifindex;
	const char *ifname;	 /* for messages */
	bool up;		 /* up, or down: always set */
	unsigned int mtu;	 /* 0: left */
	const char *alias;	 /* NULL: left */
	bool set_master;	 /* false: master left */
	int master;		 /* with set_master: a bridge's ifindex, or 0 for none */
	bool set_isolated;	 /* false: left; a bridge port only */
	bool isolated;		 /* with set_isolated: no traffic with other isolated ports */
	bool set_route_localnet; /* false: left */
	bool route_localnet;	 /* with set_route_localnet: loopback addresses on the wire */
};

int rtnl_link_change(struct rtnl *r, const struct rtnl_link_change *c, struct errbuf *err);

/* The global-scope addresses of a link, IPv4 and IPv6. */
int rtnl_addr_list(struct rtnl *r, int ifindex, struct addr_prefix *ret, size_t max, size_t *ret_n,
		   struct errbuf *err);

/* Add (or keep, if it is there) an address; IPv6 without DAD. */
int rtnl_addr_add(struct rtnl *r, int ifindex, const char *ifname, const struct addr_prefix *a,
		  struct errbuf *err);
int rtnl_addr_del(struct rtnl *r, int ifindex, const char *ifname, const struct addr_prefix *a,
		  struct errbuf *err);

/* A route as a dump describes it; only what we look at. */
struct rtnl_route {
	struct addr_prefix dst;	    /* length 0 for a default route */
	unsigned int table;	    /* RT_TABLE_* or another number */
	unsigned int type;	    /* RTN_* */
	unsigned int protocol;	    /* RTPROT_*: who made it */
	int oif;		    /* output link, 0 if none */
	struct addr_prefix gateway; /* family 0 without one */
	bool expires;		    /* it has a lifetime (learned from the network) */
};

/*
 * Call fn for every IPv4 and IPv6 route of every table, from one
 * consistent dump; a non-zero return of fn stops the walk and is returned.
 */
typedef int (*rtnl_route_fn)(const struct rtnl_route *route, void *data);
int rtnl_route_foreach(struct rtnl *r, rtnl_route_fn fn, void *data, struct errbuf *err);

/*
 * The route the kernel would choose for the address addr (its routing
 * rules and tables, no mark, no source): one request, whatever the number
 * of routes.  *ret_found is false when no route matches.
 */
int rtnl_route_lookup(struct rtnl *r, const struct addr_prefix *addr, struct rtnl_route *ret,
		      bool *ret_found, struct errbuf *err);

/*
 * A route of the main table, made by usernetns (RTPROT_STATIC): to dst
 * via gateway on oif, or prohibited (reaching dst fails at once).
 */
struct rtnl_route_change {
	struct addr_prefix dst; /* a network; length 0: the default route */
	bool prohibit;
	struct addr_prefix gateway; /* not prohibit */
	int oif;		    /* not prohibit */
	const char *ifname;	    /* of oif, for messages */
	unsigned int protocol;	    /* RTPROT_* of a route to delete; 0: ours (static) */
};

/* Add it, replacing a route to the same destination. */
int rtnl_route_replace(struct rtnl *r, const struct rtnl_route_change *c, struct errbuf *err);
int rtnl_route_delete(struct rtnl *r, const struct rtnl_route_change *c, struct errbuf *err);

#endif
