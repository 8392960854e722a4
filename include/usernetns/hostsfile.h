/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The files the host's name service answers from (libnss_usernetns.so.2,
 * nss-usernetns(8)): for each namespace, one file per name under
 * RUNSTATEDIR/hosts/name/ and one per address under RUNSTATEDIR/hosts/addr/,
 * each holding the namespace's whole entry:
 *
 *   usernetns-hosts 1
 *   owner uid=1001         (whose namespace it is; files of before owners
 *                           were written have none)
 *   name alice.netns       (the first name is the canonical one)
 *   name user-alice
 *   addr 10.200.0.2
 *   addr fd42:200::2
 *
 * Files are root's, written whole (renamed into place) and named by the
 * name in lower case (lookups ignore case, as DNS does) or by the address
 * as inet_ntop() writes it.  This file is the format's one home; it uses
 * libc alone, since the NSS module, which links nothing else, is built
 * from it too.
 */
#ifndef USERNETNS_HOSTSFILE_H
#define USERNETNS_HOSTSFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HOSTS_DIR_NAME "hosts"
#define HOSTS_BY_NAME "name"
#define HOSTS_BY_ADDR "addr"

/* A name written out (RFC 1035): at most 253 bytes. */
#define HOSTS_NAME_MAX 253
#define HOSTS_NAMES_MAX 2 /* the host name and the namespace name */
#define HOSTS_ADDRS_MAX 2 /* the namespace end's IPv4 and IPv6 addresses */
/* Larger files are not ours. */
#define HOSTS_FILE_MAX 1024
/* An owner as records spell it, "uid=1001", "gid=2000", and its NUL. */
#define HOSTS_OWNER_MAX 16

struct hosts_addr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t bytes[16];
};

struct hosts_entry {
	/*
	 * Whose namespace the entry is, as text ("" when unknown): the
	 * module does not read it; lib/hosts.c decides by it who may
	 * replace or remove a file.
	 */
	char owner[HOSTS_OWNER_MAX];
	size_t n_names, n_addrs;
	char names[HOSTS_NAMES_MAX][HOSTS_NAME_MAX + 1];
	struct hosts_addr addrs[HOSTS_ADDRS_MAX];
};

/*
 * May name be one of ours: labels of letters, digits, '-' and '_' ('-'
 * not at a label's ends) joined by single dots, at most HOSTS_NAME_MAX
 * bytes, not all digits and dots.  Names that are not are never published
 * and never looked up.
 */
bool hosts_name_valid(const char *name);

/* The file name of name: name in lower case.  -EINVAL if not valid. */
int hosts_name_key(const char *name, char buf[HOSTS_NAME_MAX + 1]);

/* The file name of an address: inet_ntop()'s text. */
int hosts_addr_key(const struct hosts_addr *a, char *buf, size_t size);

/* Does the entry hold name (ignoring case) or address a? */
bool hosts_entry_has_name(const struct hosts_entry *e, const char *name);
bool hosts_entry_has_addr(const struct hosts_entry *e, const struct hosts_addr *a);

/* The file's text, its length returned; -ENAMETOOLONG if size is short. */
int hosts_format(const struct hosts_entry *e, char *buf, size_t size);

/* Parse a file's text strictly: 0, or -EBADMSG for anything else. */
int hosts_parse(const char *buf, size_t len, struct hosts_entry *ret);

#endif
