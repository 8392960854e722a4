/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The benchmark driver: per-login cost of three ways to give a user a
 * networked namespace, at several numbers of existing namespaces, and
 * login throughput with parallel streams.  Run by bench/run, as root, in
 * the tests' sandbox.
 *
 *   pam    a login through the real PAM stack with pam_usernetns.so:
 *          cold (a new user) and warm (a second session)
 *   ip     the ip(8) command recipe, one process per command
 *   floor  bench/floor: the kernel work alone
 *
 * and, in mode isolated (a named namespace, lo up), ours against Debian's
 * libpam-net (pam_usernet.so, fetched by bench/run, never installed), the
 * same driver for both; and, in mode nat (a deny list, the host's table loaded) and in mode
 * veth with dns = host-end and a host name, against plain mode veth: what
 * the way out and names cost a login; and what a host name lookup costs
 * through libnss_usernetns.so.2 (bench/nss-lookup); and a session's TCP
 * throughput to a wan behind the host (iperf3), against the host's own and
 * pasta's.
 *
 * bench OUTDIR BUILDDIR [quick]
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#define WORK "/run/bench"
#define SERVICE "uns-bench"
#define BARE "uns-bare"	/* the same stack without our module */
#define NAT "uns-nat"	/* mode nat, with a deny list */
#define DNS "uns-dns"	/* mode veth, dns = host-end, a host name */
#define ISO "uns-iso"	/* mode isolated */
#define PAMNET "pam-net"	/* libpam-net's pam_usernet.so */
/* The module before the namespaces' filter (issue 17), mode veth and mode nat. */
#define VETH_BEFORE "uns-veth-before"
#define NAT_BEFORE "uns-nat-before"
#define GVETH "uns-gveth"	/* mode veth, under the policy with group sections */
#define GROUP "uns-group"	/* share = group: one namespace for a group's members */
#define WAN "uns-wan"	/* mode veth with a deny list, for the data plane */
#define LIMITED "uns-limited" /* the same with limits each way */

static const char *builddir, *outdir, *pam_net, *before_filter, *before_filter_commit;
static bool quick;
/*
 * The users: /etc/passwd in the sandbox holds only those a measurement
 * needs, so that the lookups (a scan of the file, with glibc's files
 * backend) cost what they cost on a machine with few local users and do
 * not grow with the number of namespaces.
 */
#define PASSWD WORK "/passwd"
static unsigned int next_user, next_other, populated_first;

__attribute__((format(printf, 1, 2), noreturn))
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* A second number the last run() printed, if any. */
static double last_second;

/*
 * Run argv; return the first number it printed on stdout (or -1 without
 * capture), keeping a second one in last_second.
 */
static double run(char *const argv[], bool capture, bool nss)
{
	int pipefd[2], status;
	char out[64] = "";
	ssize_t n;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(capture ? pipefd[1] : null, 1);
		if (getenv("BENCH_DEBUG") == NULL)
			dup2(null, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	n = read(pipefd[0], out, sizeof(out) - 1);
	out[n > 0 ? n : 0] = '\0';
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("%s %s failed (status %d)", argv[0], argv[1] ? argv[1] : "",
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	if (!capture)
		return -1;
	{
		char *end;
		double first = strtod(out, &end);

		last_second = strtod(end, NULL);
		return first;
	}
}

/* The path of a built program (kept for the whole run). */
static char *prog(const char *rel)
{
	char *path;

	if (asprintf(&path, "%s/%s", builddir, rel) < 0)
		die("%s", "out of memory");
	return path;
}

/* ---- the contenders ------------------------------------------------------------ */

static double pam_login_to(const char *service, unsigned int user)
{
	static char *path;
	char name[16];
	char *argv[] = { path, (char *)WORK, (char *)service, name, NULL };

	if (!path)
		argv[0] = path = prog("bench/pam-login");
	snprintf(name, sizeof(name), "b%05u", user);
	return run(argv, true, true);
}

static double pam_login(unsigned int user)
{
	return pam_login_to(SERVICE, user);
}

/* Addresses of "other" logins (ip, floor): 10.100.0.0/16, out of the pool. */
static void other_addrs(unsigned int i, char *host, char *peer, size_t size)
{
	snprintf(host, size, "10.%u.%u.%u", 100 + i / 16384, (i % 16384) * 4 / 256,
		 (i % 16384) * 4 % 256 + 1);
	snprintf(peer, size, "10.%u.%u.%u", 100 + i / 16384, (i % 16384) * 4 / 256,
		 (i % 16384) * 4 % 256 + 2);
}

/* One ip(8) command: "ip ARG...". */
static void run_ip(const char *first, ...)
{
	char *argv[16] = { (char *)"ip", (char *)first };
	const char *arg;
	size_t n = 2;
	va_list ap;

	va_start(ap, first);
	while ((arg = va_arg(ap, const char *)) && n < 15)
		argv[n++] = (char *)arg;
	va_end(ap);
	argv[n] = NULL;
	run(argv, false, false);
}

static double ip_recipe(unsigned int i)
{
	char ns[32], dev[16], host[32], peer[32], hostp[40], peerp[40];
	double t0 = now_us();

	snprintf(ns, sizeof(ns), "ip-%u", i);
	snprintf(dev, sizeof(dev), "vi%u", i);
	other_addrs(i, host, peer, sizeof(host));
	snprintf(hostp, sizeof(hostp), "%s/30", host);
	snprintf(peerp, sizeof(peerp), "%s/30", peer);
	run_ip("netns", "add", ns, NULL);
	run_ip("link", "add", dev, "type", "veth", "peer", "name", "eth0", "netns", ns, NULL);
	run_ip("addr", "add", hostp, "dev", dev, NULL);
	run_ip("-n", ns, "addr", "add", peerp, "dev", "eth0", NULL);
	run_ip("link", "set", dev, "up", NULL);
	run_ip("-n", ns, "link", "set", "lo", "up", NULL);
	run_ip("-n", ns, "link", "set", "eth0", "up", NULL);
	run_ip("-n", ns, "route", "add", "default", "via", host, NULL);
	return now_us() - t0;
}

static double floor_login(unsigned int i)
{
	static char *path;
	char ns[32], dev[16], idx[16], host[32], peer[32];
	char *argv[] = { path, ns, dev, idx, host, peer, (char *)"30", NULL };

	if (!path)
		argv[0] = path = prog("bench/floor");
	snprintf(ns, sizeof(ns), "fl-%u", i);
	snprintf(dev, sizeof(dev), "vf%u", i);
	snprintf(idx, sizeof(idx), "%u", 100000 + i);
	other_addrs(i + 8192, host, peer, sizeof(host));
	return run(argv, true, false);
}

/* ---- set up and tear down -------------------------------------------------------- */

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		die("cannot write %s", path);
	chmod(path, 0644);
}

/* /etc/passwd with root and users first..first+count-1. */
static void users(unsigned int first, unsigned int count)
{
	FILE *f = fopen(PASSWD, "w");	/* in place: it is bind-mounted */

	if (!f)
		die("cannot write %s", PASSWD);
	fprintf(f, "root:x:0:0:root:/root:/bin/sh\n");
	for (unsigned int i = 0; i < count; i++)
		fprintf(f, "b%05u:x:%u:2000::/tmp:/bin/sh\n", first + i, 100000 + first + i);
	if (fclose(f) != 0)
		die("cannot write %s", PASSWD);
}

/*
 * The groups every part starts from.  netusers lists 300 members, as a
 * site's group of students does (the bench's users are in it by their
 * primary group): every lookup of it, and every group list, reads that
 * line.  libpam-net places members of "usernet": the same gid, every user.
 */
#define NETUSERS_MEMBERS 300

static const char *base_groups(void)
{
	static char text[NETUSERS_MEMBERS * 10 + 128];
	size_t len;

	if (text[0])
		return text;
	len = (size_t)snprintf(text, sizeof(text), "root:x:0:\nnetusers:x:2000:");
	for (unsigned int i = 0; i < NETUSERS_MEMBERS; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%sm%07u", i ? "," : "", i);
	snprintf(text + len, sizeof(text) - len, "\nusernet:x:2000:\n");
	return text;
}

/* A PAM service of name: pam_permit.so, then our built module reading conf. */
static void module_service(const char *name, const char *conf)
{
	char path[256], text[1024];

	snprintf(text, sizeof(text),
		 "session required pam_permit.so\n"
		 "session required %s/pam/.libs/pam_usernetns.so conf=%s\n",
		 builddir, conf);
	snprintf(path, sizeof(path), WORK "/%s", name);
	write_text(path, text);
}

static void setup(void)
{
	char text[4096];

	test_sh("mkdir -p " WORK);
	/*
	 * /etc writable in the sandbox alone, libpam-net wanting
	 * /etc/netns/USER: an overlay whose upper layer is in the sandbox's
	 * /run, under every mount that follows.
	 */
	if (test_sh("mkdir -p " WORK "/etc.up " WORK "/etc.work && mount -t overlay overlay"
		    " -o lowerdir=/etc,upperdir=" WORK "/etc.up,workdir=" WORK "/etc.work /etc"))
		die("%s", "cannot overlay /etc");
	write_text(WORK "/usernetns.conf",
		   "[group:netusers]\nmode = veth\npool4 = 10.200.0.0/16\nprefix4 = 30\n");
	/* The helpers read the built-in path. */
	{
		char dir[512], *slash;

		snprintf(dir, sizeof(dir), "%s", USERNETNS_POLICY_PATH);
		slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		test_sandbox_writable(dir);
	}
	write_text(USERNETNS_POLICY_PATH, "[group:netusers]\nmode = veth\n"
					  "pool4 = 10.200.0.0/16\nprefix4 = 30\n");
	module_service(SERVICE, WORK "/usernetns.conf");
	write_text(WORK "/" BARE, "session required pam_permit.so\n");
	write_text(WORK "/nat.conf", "[global]\nforwarding = enable\n[group:netusers]\nmode = nat\n"
				     "pool4 = 10.200.0.0/16\nprefix4 = 30\n"
				     "deny = 192.168.0.0/16, 172.16.0.0/12\n");
	module_service(NAT, WORK "/nat.conf");
	write_text(WORK "/dns.conf", "[global]\nhostname = %u.netns\n[group:netusers]\nmode = veth\n"
				     "pool4 = 10.200.0.0/16\nprefix4 = 30\ndns = host-end\n");
	module_service(DNS, WORK "/dns.conf");
	write_text(WORK "/wan.conf", "[group:netusers]\nmode = veth\npool4 = 10.200.0.0/16\n"
				     "prefix4 = 30\ndeny = 192.168.0.0/16, 172.16.0.0/12\n");
	module_service(WAN, WORK "/wan.conf");
	write_text(WORK "/limited.conf", "[group:netusers]\nmode = veth\npool4 = 10.200.0.0/16\n"
					 "prefix4 = 30\ndeny = 192.168.0.0/16, 172.16.0.0/12\n"
					 "rate_out = 10mbit\nrate_in = 10mbit\n");
	module_service(LIMITED, WORK "/limited.conf");
	write_text(WORK "/iso.conf", "[group:netusers]\nmode = isolated\n");
	module_service(ISO, WORK "/iso.conf");
	if (!pam_net)
		die("%s", "USERNETNS_BENCH_PAM_NET (libpam-net's pam_usernet.so) is not set: run bench/run");
	snprintf(text, sizeof(text), "session required pam_permit.so\nsession required %s\n",
		 pam_net);
	write_text(WORK "/" PAMNET, text);
	if (before_filter) {
		snprintf(text, sizeof(text),
			 "session required pam_permit.so\n"
			 "session required %s conf=" WORK "/usernetns.conf\n",
			 before_filter);
		write_text(WORK "/" VETH_BEFORE, text);
		snprintf(text, sizeof(text),
			 "session required pam_permit.so\n"
			 "session required %s conf=" WORK "/nat.conf\n",
			 before_filter);
		write_text(WORK "/" NAT_BEFORE, text);
	}

	/*
	 * Our users and groups, over the machine's, in the sandbox only; and
	 * NSS from files alone: other modules (libnss_systemd probing for
	 * systemd-userdbd on every group lookup) cost what they cost on any
	 * login, with or without us, and are not what is measured here.
	 */
	users(0, 0);
	write_text(WORK "/group", base_groups());
	write_text(WORK "/nsswitch.conf", "passwd: files\ngroup: files\nshadow: files\n");
	if (test_sh("mount --bind " PASSWD " /etc/passwd && mount --bind " WORK "/group /etc/group"
		    " && mount --bind " WORK "/nsswitch.conf /etc/nsswitch.conf"))
		die("%s", "cannot bind-mount the users");
}

/* Everything gone, as after a reboot: names, links, records, leases. */
static void reset(void)
{
	test_clean_host(false, USERNETNS_STATEDIR "/leases");
	/* Namespaces die in the background: let the kernel catch up. */
	sleep(1);
}

/* A field of /proc/meminfo ("Slab", "MemAvailable"), in KiB. */
static long meminfo_kib(const char *field)
{
	char *out = test_sh_out("awk '/^%s:/ { print $2 }' /proc/meminfo", field);
	long v = out ? atol(out) : 0;

	free(out);
	return v;
}

/* ---- statistics and output ----------------------------------------------------- */

static int compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double quantile(double *v, size_t n, double q)
{
	size_t i;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), compare);
	i = (size_t)(q * (double)(n - 1) + 0.5);
	return v[i];
}

static FILE *out_file(const char *name)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	f = fopen(path, "we");
	if (!f)
		die("cannot write %s", path);
	return f;
}

/* ---- the three parts ------------------------------------------------------------ */

/* A login of a user nobody else is: the passwd file holds just them. */
static double login_alone(unsigned int user)
{
	users(user, 1);
	return pam_login(user);
}

static void contenders(FILE *md)
{
	unsigned int n = quick ? 3 : 40;
	double *cold = calloc(n, sizeof(double)), *warm = calloc(n, sizeof(double));
	double *start = calloc(n, sizeof(double)), *ip = calloc(n, sizeof(double));
	double *fl = calloc(n, sizeof(double)), *bare = calloc(n, sizeof(double));
	FILE *tsv = out_file("contenders.tsv");
	double c50, w50, i50, f50, b50;

	reset();
	for (unsigned int i = 0; i < n; i++) {
		/* Take turns, so that noise on the machine hits all alike. */
		for (unsigned int k = 0; k < 3; k++) {
			switch ((i + k) % 3) {
			case 0:
				cold[i] = login_alone(next_user);
				start[i] = last_second;
				warm[i] = pam_login(next_user);
				bare[i] = pam_login_to(BARE, next_user);
				next_user++;
				break;
			case 1:
				ip[i] = ip_recipe(next_other);
				break;
			case 2:
				fl[i] = floor_login(next_other);
				break;
			}
		}
		next_other++;
	}
	c50 = quantile(cold, n, 0.5);
	w50 = quantile(warm, n, 0.5);
	i50 = quantile(ip, n, 0.5);
	f50 = quantile(fl, n, 0.5);
	b50 = quantile(bare, n, 0.5);
	fprintf(tsv, "contender\tmedian_us\tp90_us\n");
	fprintf(tsv, "pam-cold\t%.0f\t%.0f\n", c50, quantile(cold, n, 0.9));
	fprintf(tsv, "pam-warm\t%.0f\t%.0f\n", w50, quantile(warm, n, 0.9));
	fprintf(tsv, "pam-start\t%.0f\t%.0f\n", quantile(start, n, 0.5), quantile(start, n, 0.9));
	fprintf(tsv, "ip\t%.0f\t%.0f\n", i50, quantile(ip, n, 0.9));
	fprintf(tsv, "floor\t%.0f\t%.0f\n", f50, quantile(fl, n, 0.9));
	fprintf(tsv, "pam-bare\t%.0f\t%.0f\n", b50, quantile(bare, n, 0.9));
	fclose(tsv);

	fprintf(md, "### One login, %u of each, interleaved\n\n", n);
	fprintf(md, "| contender | median | p90 |\n|---|---:|---:|\n");
	fprintf(md, "| pam, cold: `pam_open_session()` of a new user | %.2f ms | %.2f ms |\n",
		c50 / 1e3, quantile(cold, n, 0.9) / 1e3);
	fprintf(md, "| pam, warm: `pam_open_session()`, second session | %.3f ms | %.3f ms |\n",
		w50 / 1e3, quantile(warm, n, 0.9) / 1e3);
	fprintf(md, "| (`pam_start_confdir()` before it, loading the stack) | %.3f ms | %.3f ms |\n",
		quantile(start, n, 0.5) / 1e3, quantile(start, n, 0.9) / 1e3);
	fprintf(md, "| (`pam_open_session()` of the stack without our module: libpam's own share) | %.3f ms | %.3f ms |\n",
		b50 / 1e3, quantile(bare, n, 0.9) / 1e3);
	fprintf(md, "| ip(8) recipe | %.2f ms | %.2f ms |\n", i50 / 1e3, quantile(ip, n, 0.9) / 1e3);
	fprintf(md, "| floor | %.2f ms | %.2f ms |\n\n", f50 / 1e3, quantile(fl, n, 0.9) / 1e3);
	fprintf(md, "pam/floor = **%.2f**, ip/pam = **%.1f** (cold, medians); "
		    "ip/pam with `pam_start_confdir()` counted too = %.1f; "
		    "without libpam's own share, pam/floor = %.2f and a warm login costs %.3f ms\n\n",
		c50 / f50, i50 / c50, i50 / (c50 + quantile(start, n, 0.5)),
		(c50 - b50) / f50, (w50 - b50) / 1e3);
	printf("contenders: pam cold %.2f ms, warm %.3f ms (start %.2f ms, bare stack %.3f ms), ip %.2f ms, floor %.2f ms: pam/floor %.2f, ip/pam %.1f\n",
	       c50 / 1e3, w50 / 1e3, quantile(start, n, 0.5) / 1e3, b50 / 1e3, i50 / 1e3,
	       f50 / 1e3, c50 / f50, i50 / c50);
	fflush(stdout);
	free(cold);
	free(warm);
	free(start);
	free(ip);
	free(fl);
	free(bare);
}

/*
 * Cold and warm logins of new users through each of services[0..n_services),
 * taking turns n times, so that noise on the machine hits all alike; their
 * medians into c50 and w50.  prepare (may be NULL) runs before a user's
 * first login through a service.
 */
static void take_turns(const char *const *services, int n_services, unsigned int n,
		       void (*prepare)(const char *service, unsigned int user), double *c50,
		       double *w50)
{
	double *cold = calloc((size_t)n_services * n, sizeof(double));
	double *warm = calloc((size_t)n_services * n, sizeof(double));

	if (!cold || !warm)
		die("%s", "out of memory");
	for (unsigned int i = 0; i < n; i++)
		for (int k = 0; k < n_services; k++) {
			int m = (int)((i + (unsigned int)k) % (unsigned int)n_services);

			users(next_user, 1);
			if (prepare)
				prepare(services[m], next_user);
			cold[(size_t)m * n + i] = pam_login_to(services[m], next_user);
			warm[(size_t)m * n + i] = pam_login_to(services[m], next_user);
			next_user++;
		}
	for (int m = 0; m < n_services; m++) {
		c50[m] = quantile(cold + (size_t)m * n, n, 0.5);
		w50[m] = quantile(warm + (size_t)m * n, n, 0.5);
	}
	free(cold);
	free(warm);
}

/* What libpam-net needs (it binds what is in there over /etc). */
static void pam_net_dir(const char *service, unsigned int user)
{
	if (strcmp(service, PAMNET) == 0 && test_sh("mkdir -p /etc/netns/b%05u", user))
		die("%s", "cannot make /etc/netns/USER");
}

/*
 * Mode isolated against libpam-net's pam_usernet.so, which does the same
 * (a namespace named after the user under /run/netns, lo up, made at the
 * first login and entered at the next), cold and warm, taking turns,
 * each minus the stack without a module of either (libpam's own share).
 */
static void isolated(FILE *md)
{
	static const char *const services[] = { ISO, PAMNET, BARE };
	enum { OURS, THEIRS, NONE, N };
	unsigned int n = quick ? 3 : 40;
	double c50[N], w50[N], oc, ow, tc, tw;

	reset();
	take_turns(services, N, n, pam_net_dir, c50, w50);
	oc = c50[OURS] - c50[NONE];
	ow = w50[OURS] - w50[NONE];
	tc = c50[THEIRS] - c50[NONE];
	tw = w50[THEIRS] - w50[NONE];
	fprintf(md, "### Mode isolated against libpam-net (pam_usernet.so), %u of each, interleaved, minus the bare stack\n\n", n);
	fprintf(md, "| login | pam_usernetns | pam_usernet | bare stack | libpam-net / ours |\n"
		    "|---|---:|---:|---:|---:|\n");
	fprintf(md, "| cold | %.3f ms | %.3f ms | %.3f ms | **%.2f** |\n", oc / 1e3, tc / 1e3,
		c50[NONE] / 1e3, tc / oc);
	fprintf(md, "| warm | %.3f ms | %.3f ms | %.3f ms | **%.2f** |\n\n", ow / 1e3, tw / 1e3,
		w50[NONE] / 1e3, tw / ow);
	printf("isolated: ours cold %.3f ms, warm %.3f ms; libpam-net cold %.3f ms, warm %.3f ms"
	       " (bare stack subtracted); libpam-net/ours cold %.2f, warm %.2f\n",
	       oc / 1e3, ow / 1e3, tc / 1e3, tw / 1e3, tc / oc, tw / ow);
	fflush(stdout);
}

/*
 * Leases on a real filesystem: the state dir on ext4 (a loop-mounted
 * image, in the sandbox) against tmpfs, cold logins taking turns.  The
 * state dir is a bind mount of one or the other, switched between logins
 * (outside the timed part).
 */
static void lease_fs(FILE *md)
{
	static const char *const dirs[] = { WORK "/state-tmpfs", WORK "/state-ext4" };
	enum { TMPFS, EXT4, N };
	unsigned int n = quick ? 3 : 40;
	double *cold[N], c50[N];

	if (test_sh("mkdir -p " WORK "/state-tmpfs " WORK "/state-ext4 &&"
		    " mount -t tmpfs tmpfs " WORK "/state-tmpfs &&"
		    " truncate -s 256M " WORK "/state.img && mkfs.ext4 -q -F " WORK "/state.img &&"
		    " mount -o loop " WORK "/state.img " WORK "/state-ext4"))
		die("%s", "cannot make an ext4 state dir");
	for (int m = 0; m < N; m++)
		cold[m] = calloc(n, sizeof(double));
	reset();
	for (unsigned int i = 0; i < n; i++)
		for (unsigned int k = 0; k < N; k++) {
			int m = (int)((i + k) % N);

			if (test_sh("mount --bind %s %s", dirs[m], USERNETNS_STATEDIR))
				die("%s", "cannot switch the state dir");
			users(next_user, 1);
			cold[m][i] = pam_login(next_user);
			next_user++;
			if (test_sh("umount %s", USERNETNS_STATEDIR))
				die("%s", "cannot switch the state dir back");
		}
	for (int m = 0; m < N; m++)
		c50[m] = quantile(cold[m], n, 0.5);
	fprintf(md, "### Leases on ext4 (a loop-mounted image) against tmpfs, cold logins, %u of each, interleaved\n\n", n);
	fprintf(md, "| state dir | cold login, median | p90 |\n|---|---:|---:|\n");
	fprintf(md, "| tmpfs | %.3f ms | %.3f ms |\n", c50[TMPFS] / 1e3,
		quantile(cold[TMPFS], n, 0.9) / 1e3);
	fprintf(md, "| ext4 | %.3f ms | %.3f ms |\n\n", c50[EXT4] / 1e3,
		quantile(cold[EXT4], n, 0.9) / 1e3);
	fprintf(md, "ext4 - tmpfs = **%+.3f ms**\n\n", (c50[EXT4] - c50[TMPFS]) / 1e3);
	printf("leases: cold login, state on tmpfs %.3f ms, on ext4 %.3f ms (%+.3f)\n",
	       c50[TMPFS] / 1e3, c50[EXT4] / 1e3, (c50[EXT4] - c50[TMPFS]) / 1e3);
	fflush(stdout);
	test_sh("umount " WORK "/state-ext4 " WORK "/state-tmpfs; rm -f " WORK "/state.img");
	for (int m = 0; m < N; m++)
		free(cold[m]);
}

/*
 * Mode nat, and mode veth with dns and a host name, against plain mode
 * veth, cold and warm, taking turns: the host's table loaded (and an
 * uplink for it: a veth with the default route).
 */
/*
 * What the namespace's filter (lib/egress.c, lib/nstable.c) costs a
 * login: this module against the one built from the commit before it
 * (bench/run builds it), the same policies, taking turns; mode veth, and
 * mode nat with a deny list and the host's table loaded.
 */
static void filter(FILE *md)
{
	static const char *const services[] = { SERVICE, VETH_BEFORE, NAT, NAT_BEFORE };
	enum { VETH_NOW, VETH_THEN, NAT_NOW, NAT_THEN, N };
	unsigned int n = quick ? 3 : 40;
	double c50[N], w50[N];
	char cmd[1024];

	if (!before_filter)
		die("%s", "USERNETNS_BENCH_BEFORE_FILTER (the module before the filter) is not set: run bench/run");
	reset();
	snprintf(cmd, sizeof(cmd),
		 "ip link add up0 type veth peer name up1 && ip link set up0 up && ip link set up1 up &&"
		 " ip addr add 198.51.100.2/24 dev up0 && ip route add default via 198.51.100.1 &&"
		 " %s/helpers/usernetns-firewall --config " WORK "/nat.conf --load",
		 builddir);
	if (test_sh("%s", cmd) != 0)
		die("%s", "cannot load the host's table");
	take_turns(services, N, n, NULL, c50, w50);
	fprintf(md, "### The namespace's filter: this module against the one before it (%s), the same policies, %u of each, interleaved\n\n",
		before_filter_commit ? before_filter_commit : "?", n);
	fprintf(md, "| login | veth before | veth | filter | nat before | nat | filter |\n"
		    "|---|---:|---:|---:|---:|---:|---:|\n");
	fprintf(md, "| cold | %.3f ms | %.3f ms | %+.3f ms | %.3f ms | %.3f ms | %+.3f ms |\n",
		c50[VETH_THEN] / 1e3, c50[VETH_NOW] / 1e3, (c50[VETH_NOW] - c50[VETH_THEN]) / 1e3,
		c50[NAT_THEN] / 1e3, c50[NAT_NOW] / 1e3, (c50[NAT_NOW] - c50[NAT_THEN]) / 1e3);
	fprintf(md, "| warm | %.3f ms | %.3f ms | %+.3f ms | %.3f ms | %.3f ms | %+.3f ms |\n\n",
		w50[VETH_THEN] / 1e3, w50[VETH_NOW] / 1e3, (w50[VETH_NOW] - w50[VETH_THEN]) / 1e3,
		w50[NAT_THEN] / 1e3, w50[NAT_NOW] / 1e3, (w50[NAT_NOW] - w50[NAT_THEN]) / 1e3);
	printf("filter: veth cold %.3f -> %.3f ms (%+.3f), warm %.3f -> %.3f ms (%+.3f);"
	       " nat cold %.3f -> %.3f ms (%+.3f), warm %.3f -> %.3f ms (%+.3f)\n",
	       c50[VETH_THEN] / 1e3, c50[VETH_NOW] / 1e3, (c50[VETH_NOW] - c50[VETH_THEN]) / 1e3,
	       w50[VETH_THEN] / 1e3, w50[VETH_NOW] / 1e3, (w50[VETH_NOW] - w50[VETH_THEN]) / 1e3,
	       c50[NAT_THEN] / 1e3, c50[NAT_NOW] / 1e3, (c50[NAT_NOW] - c50[NAT_THEN]) / 1e3,
	       w50[NAT_THEN] / 1e3, w50[NAT_NOW] / 1e3, (w50[NAT_NOW] - w50[NAT_THEN]) / 1e3);
	fflush(stdout);
	test_sh("%s/helpers/usernetns-firewall --remove; ip link del up0", builddir);
}

static void modes(FILE *md)
{
	static const char *const services[] = { SERVICE, NAT, DNS };
	enum { VETH, WITH_NAT, WITH_DNS, N };
	unsigned int n = quick ? 3 : 40;
	double c50[N], w50[N];
	char cmd[1024];

	reset();
	snprintf(cmd, sizeof(cmd),
		 "ip link add up0 type veth peer name up1 && ip link set up0 up && ip link set up1 up &&"
		 " ip addr add 198.51.100.2/24 dev up0 && ip route add default via 198.51.100.1 &&"
		 " %s/helpers/usernetns-firewall --config " WORK "/nat.conf --load",
		 builddir);
	if (test_sh("%s", cmd) != 0)
		die("%s", "cannot load the host's table");
	take_turns(services, N, n, NULL, c50, w50);
	fprintf(md, "### Mode nat (deny list, host's table loaded), and dns = host-end with a host name, against mode veth, %u of each, interleaved\n\n", n);
	fprintf(md, "| login | veth | nat | nat - veth | veth + dns | dns - veth |\n"
		    "|---|---:|---:|---:|---:|---:|\n");
	fprintf(md, "| cold | %.3f ms | %.3f ms | %+.3f ms | %.3f ms | %+.3f ms |\n",
		c50[VETH] / 1e3, c50[WITH_NAT] / 1e3, (c50[WITH_NAT] - c50[VETH]) / 1e3,
		c50[WITH_DNS] / 1e3, (c50[WITH_DNS] - c50[VETH]) / 1e3);
	fprintf(md, "| warm | %.3f ms | %.3f ms | %+.3f ms | %.3f ms | %+.3f ms |\n\n",
		w50[VETH] / 1e3, w50[WITH_NAT] / 1e3, (w50[WITH_NAT] - w50[VETH]) / 1e3,
		w50[WITH_DNS] / 1e3, (w50[WITH_DNS] - w50[VETH]) / 1e3);
	printf("modes: veth cold %.3f ms, warm %.3f ms; nat cold %.3f ms (%+.3f), warm %.3f ms (%+.3f);"
	       " dns cold %.3f ms (%+.3f), warm %.3f ms (%+.3f)\n",
	       c50[VETH] / 1e3, w50[VETH] / 1e3, c50[WITH_NAT] / 1e3,
	       (c50[WITH_NAT] - c50[VETH]) / 1e3, w50[WITH_NAT] / 1e3,
	       (w50[WITH_NAT] - w50[VETH]) / 1e3, c50[WITH_DNS] / 1e3,
	       (c50[WITH_DNS] - c50[VETH]) / 1e3, w50[WITH_DNS] / 1e3,
	       (w50[WITH_DNS] - w50[VETH]) / 1e3);
	fflush(stdout);
	test_sh("%s/helpers/usernetns-firewall --remove; ip link del up0", builddir);
}

/*
 * Namespaces shared by a group (share = group): every login's work under
 * the group's lock runs in a worker process (lib/shield.c), which a user's
 * own login does not need.  Each round a new group with one member: its
 * first login makes the group's namespace (cold), its second enters it
 * (warm); against a user of mode veth under the same policy, taking turns.
 */
static char group_text[64 * 1024];
static unsigned int groups_made, group_members[64], n_groups;

/*
 * Every group of the policy exists from the start (a section whose group
 * NSS does not know refuses the logins that reach it), the next one
 * taking a member at each shared login.
 */
static void write_groups(void)
{
	size_t len = (size_t)snprintf(group_text, sizeof(group_text), "%s", base_groups());

	for (unsigned int k = 0; k < n_groups; k++)
		len += (size_t)snprintf(group_text + len, sizeof(group_text) - len,
					k < groups_made ? "t%05u:x:%u:b%05u\n" : "t%05u:x:%u:\n", k,
					3000 + k, group_members[k]);
	/* Rewritten in place: /etc/group is a bind mount of it. */
	write_text(WORK "/group", group_text);
}

static void add_group_member(const char *service, unsigned int user)
{
	if (strcmp(service, GROUP) != 0)
		return;
	group_members[groups_made++] = user;
	write_groups();
}

static void groups(FILE *md)
{
	static const char *const services[] = { GVETH, GROUP };
	enum { VETH, SHARED, N };
	unsigned int n = quick ? 3 : 40;
	double c50[N], w50[N];
	char *policy;
	size_t size = (size_t)n * 128 + 256, len = 0;

	policy = malloc(size);
	if (!policy)
		die("%s", "out of memory");
	/* Sections first: a member of tNNNNN is in netusers too. */
	for (unsigned int k = 0; k < n; k++)
		len += (size_t)snprintf(policy + len, size - len,
					"[group:t%05u]\nmode = veth\nshare = group\n"
					"netns_name = team-%%g\npool4 = 10.220.0.0/16\n", k);
	snprintf(policy + len, size - len, "[group:netusers]\nmode = veth\npool4 = 10.200.0.0/16\nprefix4 = 30\n");
	write_text(WORK "/group.conf", policy);
	free(policy);
	/* The same stack twice: the users' sections make the difference. */
	module_service(GVETH, WORK "/group.conf");
	module_service(GROUP, WORK "/group.conf");
	n_groups = n;
	groups_made = 0;
	write_groups();

	reset();
	take_turns(services, N, n, add_group_member, c50, w50);
	if (test_sh("mountpoint -q /run/netns/team-t00000 && test -f /run/usernetns/users/g3000"))
		die("%s", "the first group's login did not make the group's namespace");
	write_text(WORK "/group", base_groups());
	fprintf(md, "### Namespaces shared by a group (a new group each time, its first member's first and second login) against mode veth, the same policy (%u group sections), %u of each, interleaved\n\n", n, n);
	fprintf(md, "| login | veth | share = group | group - veth |\n|---|---:|---:|---:|\n");
	fprintf(md, "| cold | %.3f ms | %.3f ms | %+.3f ms |\n", c50[VETH] / 1e3, c50[SHARED] / 1e3,
		(c50[SHARED] - c50[VETH]) / 1e3);
	fprintf(md, "| warm | %.3f ms | %.3f ms | %+.3f ms |\n\n", w50[VETH] / 1e3, w50[SHARED] / 1e3,
		(w50[SHARED] - w50[VETH]) / 1e3);
	printf("groups: veth cold %.3f ms, warm %.3f ms; share = group cold %.3f ms (%+.3f), warm %.3f ms (%+.3f)\n",
	       c50[VETH] / 1e3, w50[VETH] / 1e3, c50[SHARED] / 1e3, (c50[SHARED] - c50[VETH]) / 1e3,
	       w50[SHARED] / 1e3, (w50[SHARED] - w50[VETH]) / 1e3);
	fflush(stdout);
}

/*
 * A host name lookup through libnss_usernetns.so.2, with the namespaces
 * modes() left (their host name files published).
 */
static void names(FILE *md)
{
	char *out, user[32];

	users(next_user, 1);
	pam_login_to(DNS, next_user);
	snprintf(user, sizeof(user), "b%05u.netns", next_user++);
	out = test_sh_out("LD_LIBRARY_PATH=%s/nss/.libs %s/bench/nss-lookup "
			  "%s/nss/.libs/libnss_usernetns.so.2 %s %u",
			  builddir, builddir, builddir, user, quick ? 20u : 400u);
	if (!out || !strstr(out, "module hit"))
		die("nss-lookup failed: %s", out ? out : "");
	out[strcspn(out, "\n")] = '\0';
	printf("names: %s (us per lookup)\n", out);
	fprintf(md, "### A host name lookup (libnss_usernetns.so.2), medians of batches, microseconds per lookup\n\n");
	fprintf(md, "%s\n\n", out);
	fflush(stdout);
	free(out);
}

/* Create n namespaces through logins, two streams at once. */
static void populate(unsigned int n)
{
	unsigned int first = next_user;
	pid_t pids[2];

	populated_first = first;
	users(first, n);
	for (int s = 0; s < 2; s++) {
		pids[s] = fork();
		if (pids[s] == 0) {
			for (unsigned int i = (unsigned int)s; i < n; i += 2)
				pam_login(first + i);
			_exit(0);
		}
	}
	for (int s = 0; s < 2; s++) {
		int status;

		waitpid(pids[s], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			die("%s", "populating failed");
	}
	next_user += n;
}

static double time_cmd(char *const argv[])
{
	double t0 = now_us();

	run(argv, false, false);
	return now_us() - t0;
}

/*
 * The kernel's floor for cleanup --all: n namespaces made by bench/floor
 * (a veth pair each, as ours), removed by name as ip -all netns delete
 * does (umount, unlink), timed until the last host end is gone: the
 * kernel tears a namespace down after its last reference, in the
 * background.
 */
#define FLOOR_BULK 30000

static double cleanup_floor(unsigned int n)
{
	double t0, bound;
	char path[64];

	for (unsigned int k = 0; k < n; k++)
		floor_login(FLOOR_BULK + k);
	t0 = now_us();
	for (unsigned int k = 0; k < n; k++) {
		snprintf(path, sizeof(path), "/run/netns/fl-%u", FLOOR_BULK + k);
		if (umount2(path, MNT_DETACH) < 0 || unlink(path) < 0)
			die("cannot remove %s: %s", path, strerror(errno));
	}
	bound = t0 + 300e6;
	for (;;) {
		struct if_nameindex *ifs = if_nameindex(), *i;
		bool left = false;

		if (!ifs)
			die("if_nameindex: %s", strerror(errno));
		for (i = ifs; i->if_index && !left; i++)
			left = strncmp(i->if_name, "vf", 2) == 0 &&
			       (unsigned int)atoi(i->if_name + 2) >= FLOOR_BULK;
		if_freenameindex(ifs);
		if (!left)
			return now_us() - t0;
		if (now_us() > bound)
			die("%s", "the floor's host ends were not gone after 300 s");
		usleep(2000);
	}
}

/*
 * Cold logins of users first, first+1, ... one every 300 ms while cmd
 * runs (a mass cleanup), as users arriving at their own times would:
 * *ret_n of them (at most max), their pam_open_session() times in ret.
 * Returns how long cmd took.
 */
#define DURING_GAP_US 300000

static double logins_during(char *const cmd[], unsigned int first, double *ret, size_t max,
			    size_t *ret_n)
{
	int stop[2], results[2], status;
	double t0, took;
	pid_t prober, pid;
	size_t n = 0;

	if (pipe2(stop, O_CLOEXEC) < 0 || pipe2(results, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));
	prober = fork();
	if (prober < 0)
		die("fork: %s", strerror(errno));
	if (prober == 0) {
		struct pollfd p = { .fd = stop[0], .events = POLLIN };

		close(stop[1]);
		close(results[0]);
		/* The first login comes once the cleanup has started. */
		usleep(DURING_GAP_US / 3);
		for (size_t i = 0; i < max && poll(&p, 1, 0) == 0; i++) {
			double t = pam_login(first + (unsigned int)i);

			if (write(results[1], &t, sizeof(t)) != sizeof(t))
				_exit(1);
			usleep(DURING_GAP_US);
		}
		_exit(0);
	}
	close(stop[0]);
	close(results[1]);
	t0 = now_us();
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execvp(cmd[0], cmd);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	took = now_us() - t0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("%s failed during the logins", cmd[0]);
	close(stop[1]);
	while (n < max && read(results[0], &ret[n], sizeof(ret[n])) == sizeof(ret[n]))
		n++;
	close(results[0]);
	waitpid(prober, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("%s", "a login during the cleanup failed");
	*ret_n = n;
	return took;
}

static void scale(FILE *md)
{
	static const unsigned int full[] = { 10, 100, 1000, 2000, 10000 }, small[] = { 2, 5 };
	const unsigned int *sizes = quick ? small : full;
	size_t n_sizes = quick ? 2 : 5;
	static double during[256];
	size_t n_during;
	unsigned int r = quick ? 2 : 15;	/* at most 16 */
	FILE *tsv = out_file("scale.tsv");
	char *list[] = { prog("helpers/usernetns-list"), NULL };
	char *json[] = { prog("helpers/usernetns-list"), (char *)"--json", NULL };
	char *cleanup[] = { prog("helpers/usernetns-cleanup"), (char *)"--all", NULL };

	fprintf(tsv, "n\tpam_cold_us\tpam_warm_us\tip_us\tfloor_us\tlist_ms\tlist_json_ms\t"
		     "cleanup_ms\tslab_kib_per_ns\tcleanup_floor_ms\tduring_logins\t"
		     "during_p50_ms\tduring_p99_ms\tduring_max_ms\tmemavailable_kib_per_ns\n");
	fprintf(md, "### Cost against the number of namespaces that exist (N)\n\n");
	fprintf(md, "Medians of %u logins per cell; pam is `pam_open_session()`.\n\n", r);
	fprintf(md, "Logins during the cleanup: cold logins of other users, one every %d ms"
		    " while `usernetns-cleanup --all` runs; their median, p99 and slowest.\n\n",
		DURING_GAP_US / 1000);
	fprintf(md, "| N | pam cold | pam warm | ip(8) | floor | pam/floor | list | list --json | cleanup --all (N namespaces) | its floor | cleanup/floor | logins during the cleanup: n, median, p99, max | kernel memory per namespace (Slab) | MemAvailable, less per namespace |\n");
	fprintf(md, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|\n");
	for (size_t s = 0; s < n_sizes; s++) {
		unsigned int n = sizes[s];
		double cold[16], warm[16], ip[16], fl[16], l[16], lj[16], c, cf;
		long slab0, slab1, avail0, avail1;

		reset();
		slab0 = meminfo_kib("Slab");
		avail0 = meminfo_kib("MemAvailable");
		populate(n);
		slab1 = meminfo_kib("Slab");
		avail1 = meminfo_kib("MemAvailable");
		for (unsigned int i = 0; i < r; i++) {
			/*
			 * Take turns here too: whoever makes the first namespace
			 * after a pause pays for fresh slab pages.
			 */
			for (unsigned int k = 0; k < 3; k++) {
				switch ((i + k) % 3) {
				case 0:
					cold[i] = login_alone(next_user++);
					users(populated_first + i % n, 1);
					warm[i] = pam_login(populated_first + i % n);
					break;
				case 1:
					ip[i] = ip_recipe(next_other);
					break;
				case 2:
					fl[i] = floor_login(next_other);
					break;
				}
			}
			next_other++;
			l[i] = time_cmd(list);
			lj[i] = time_cmd(json);
		}
		/* Only usernetns's to clean up: the others go first. */
		test_sh("for n in /run/netns/ip-* /run/netns/fl-*; do [ -e \"$n\" ] &&"
			" ip netns del \"$(basename \"$n\")\"; done 2>/dev/null; true");
		/* And the users who log in meanwhile, after them. */
		users(populated_first,
		      next_user - populated_first + sizeof(during) / sizeof(during[0]));
		c = logins_during(cleanup, next_user, during, sizeof(during) / sizeof(during[0]),
				  &n_during);
		next_user += (unsigned int)(sizeof(during) / sizeof(during[0]));
		/* Theirs are not the floor's to wait for: gone before it. */
		test_sh("for n in /run/netns/user-*; do [ -e \"$n\" ] &&"
			" ip netns del \"$(basename \"$n\")\"; done 2>/dev/null; true");
		cf = cleanup_floor(n);
		{
			double d50 = quantile(during, n_during, 0.5),
			       d99 = quantile(during, n_during, 0.99),
			       dmax = quantile(during, n_during, 1.0);

			fprintf(tsv,
				"%u\t%.0f\t%.0f\t%.0f\t%.0f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%zu\t%.1f\t%.1f\t%.1f\t%.1f\n",
				n, quantile(cold, r, 0.5), quantile(warm, r, 0.5),
				quantile(ip, r, 0.5), quantile(fl, r, 0.5), quantile(l, r, 0.5) / 1e3,
				quantile(lj, r, 0.5) / 1e3, c / 1e3, (double)(slab1 - slab0) / n,
				cf / 1e3, n_during, d50 / 1e3, d99 / 1e3, dmax / 1e3,
				(double)(avail0 - avail1) / n);
			fprintf(md, "| %u | %.2f ms | %.3f ms | %.2f ms | %.2f ms | %.2f | %.1f ms | %.1f ms | %.0f ms | %.0f ms | %.2f | %zu, %.1f ms, %.1f ms, %.1f ms | %.0f KiB | %.0f KiB |\n",
				n, quantile(cold, r, 0.5) / 1e3, quantile(warm, r, 0.5) / 1e3,
				quantile(ip, r, 0.5) / 1e3, quantile(fl, r, 0.5) / 1e3,
				quantile(cold, r, 0.5) / quantile(fl, r, 0.5),
				quantile(l, r, 0.5) / 1e3, quantile(lj, r, 0.5) / 1e3, c / 1e3,
				cf / 1e3, c / cf, n_during, d50 / 1e3, d99 / 1e3, dmax / 1e3,
				(double)(slab1 - slab0) / n, (double)(avail0 - avail1) / n);
			printf("N=%u: pam cold %.2f ms, warm %.3f ms, ip %.2f ms, floor %.2f ms, list %.1f ms, json %.1f ms, cleanup %.0f ms (floor %.0f ms), %zu logins meanwhile: median %.1f ms, p99 %.1f ms, max %.1f ms; %.0f KiB/ns slab, %.0f KiB/ns MemAvailable\n",
			       n, quantile(cold, r, 0.5) / 1e3, quantile(warm, r, 0.5) / 1e3,
			       quantile(ip, r, 0.5) / 1e3, quantile(fl, r, 0.5) / 1e3,
			       quantile(l, r, 0.5) / 1e3, quantile(lj, r, 0.5) / 1e3, c / 1e3,
			       cf / 1e3, n_during, d50 / 1e3, d99 / 1e3, dmax / 1e3,
			       (double)(slab1 - slab0) / n, (double)(avail0 - avail1) / n);
		}
		fflush(stdout);
	}
	fprintf(md, "\n");
	fclose(tsv);
}

static void concurrency(FILE *md)
{
	static const unsigned int streams[] = { 1, 2, 4, 8 };
	unsigned int logins = quick ? 8 : 96;
	FILE *tsv = out_file("concurrency.tsv");
	double base = 0;

	fprintf(tsv, "streams\tlogins_per_s\tspeedup\n");
	fprintf(md, "### Parallel login streams (%u cold logins of distinct users, whole processes)\n\n",
		logins);
	fprintf(md, "| streams | logins/s | against one stream |\n|---:|---:|---:|\n");
	for (size_t k = 0; k < 4; k++) {
		unsigned int s = streams[k], first = next_user;
		double t0, secs, rate;
		pid_t pids[8];

		reset();
		users(first, logins);
		t0 = now_us();
		for (unsigned int w = 0; w < s; w++) {
			pids[w] = fork();
			if (pids[w] == 0) {
				for (unsigned int i = w; i < logins; i += s)
					pam_login(first + i);
				_exit(0);
			}
		}
		for (unsigned int w = 0; w < s; w++)
			waitpid(pids[w], NULL, 0);
		secs = (now_us() - t0) / 1e6;
		next_user += logins;
		rate = logins / secs;
		if (k == 0)
			base = rate;
		fprintf(tsv, "%u\t%.1f\t%.2f\n", s, rate, rate / base);
		fprintf(md, "| %u | %.0f | %.2f× |\n", s, rate, rate / base);
		printf("%u streams: %.0f logins/s\n", s, rate);
	}
	fprintf(md, "\n");
	fclose(tsv);
}

/*
 * The data plane: TCP throughput (iperf3, one stream) to a "wan"
 * namespace behind the host, taking turns: the host's own over loopback
 * (the ceiling), the host's to the wan (one veth pair), a session's to
 * the wan (two pairs, forwarded by the host, its filter in place with a
 * deny list), the same session with its filter emptied (what the filter
 * costs at line rate), and pasta (passt's user-mode networking, from
 * Debian's archive) reaching the same wan from its own namespace.
 */
enum { DP_LOOP, DP_HOST, DP_SESSION, DP_NOFILTER, DP_PASTA, DP_N };

/*
 * A "wan" namespace behind the host (198.51.100.1, the host's default
 * route), with iperf3 servers there and on the host's loopback, listening
 * once ss says so (bounded).
 */
static void wan_up(void)
{
	reset();
	if (test_sh("ip netns add bench-wan && ip link add up0 type veth peer name wan0 netns bench-wan &&"
		    " ip -n bench-wan addr add 198.51.100.1/24 dev wan0 && ip -n bench-wan link set lo up &&"
		    " ip -n bench-wan link set wan0 up && ip addr add 198.51.100.2/24 dev up0 &&"
		    " ip link set up0 up && ip route add default via 198.51.100.1 &&"
		    " ip -n bench-wan route add 10.200.0.0/16 via 198.51.100.2 &&"
		    " echo 1 >/proc/sys/net/ipv4/ip_forward"))
		die("%s", "cannot make the wan");
	if (test_sh("ip netns exec bench-wan iperf3 -s -D -B 198.51.100.1 &&"
		    " iperf3 -s -D -B 127.0.0.1 &&"
		    " for i in $(seq 100); do ip netns exec bench-wan ss -Hltn 'sport = 5201' | grep -q . &&"
		    " ss -Hltn 'sport = 5201' | grep -q . && exit 0; sleep 0.1; done; exit 1"))
		die("%s", "the iperf3 servers did not start");
}

static void wan_down(void)
{
	test_sh("pkill -x iperf3; ip netns del bench-wan;"
		" ip link del up0 2>/dev/null; echo 0 >/proc/sys/net/ipv4/ip_forward");
}

static double dataplane_gbits(int path, unsigned int with, unsigned int without, unsigned int secs)
{
	char cmd[512], pre[128] = "";
	char *argv[] = { (char *)"bash", (char *)"-c", cmd, NULL };

	if (path == DP_SESSION || path == DP_NOFILTER)
		snprintf(pre, sizeof(pre), "ip netns exec user-b%05u ",
			 path == DP_SESSION ? with : without);
	else if (path == DP_PASTA)	/* else it maps the gateway's address to the host's loopback */
		snprintf(pre, sizeof(pre), "pasta --runas 0 --config-net --no-map-gw -q -- ");
	snprintf(cmd, sizeof(cmd),
		 "set -o pipefail; %siperf3 -c %s -t %u -J | jq '.end.sum_received.bits_per_second / 1e9'",
		 pre, path == DP_LOOP ? "127.0.0.1" : "198.51.100.1", secs);
	return run(argv, true, false);
}

static void dataplane(FILE *md)
{
	static const char *const what[DP_N] = {
		[DP_LOOP] = "the host, over loopback",
		[DP_HOST] = "the host to the wan (one veth pair)",
		[DP_SESSION] = "a session to the wan (two pairs, forwarded by the host; its filter, with a deny list)",
		[DP_NOFILTER] = "the same, its filter emptied",
		[DP_PASTA] = "pasta (passt) to the wan, from its own namespace",
	};
	unsigned int rounds = quick ? 1 : 5, secs = quick ? 1 : 3;
	unsigned int with = next_user, without = next_user + 1;
	double *g = calloc((size_t)DP_N * rounds, sizeof(double)), m[DP_N];
	FILE *tsv = out_file("dataplane.tsv");

	if (!g)
		die("%s", "out of memory");
	wan_up();
	users(with, 2);
	pam_login_to(WAN, with);
	pam_login_to(WAN, without);
	next_user += 2;
	if (test_sh("ip netns exec user-b%05u nft flush ruleset", without))
		die("%s", "cannot empty a session's filter");
	for (unsigned int r = 0; r < rounds; r++)
		for (int k = 0; k < DP_N; k++) {
			int path = (int)((r + (unsigned int)k) % DP_N);

			g[(size_t)path * rounds + r] = dataplane_gbits(path, with, without, secs);
		}
	fprintf(tsv, "path\tmedian_gbit_s\tmin_gbit_s\tmax_gbit_s\n");
	fprintf(md, "### The data plane: TCP throughput to a wan behind the host (iperf3, one stream), %u rounds of %u s, taking turns\n\n",
		rounds, secs);
	fprintf(md, "| path | median | min - max | against loopback |\n|---|---:|---:|---:|\n");
	for (int p = 0; p < DP_N; p++) {
		double *v = g + (size_t)p * rounds;

		m[p] = quantile(v, rounds, 0.5);
		fprintf(tsv, "%d\t%.2f\t%.2f\t%.2f\n", p, m[p], quantile(v, rounds, 0),
			quantile(v, rounds, 1));
		fprintf(md, "| %s | %.2f Gbit/s | %.2f - %.2f | %.2f |\n", what[p], m[p],
			quantile(v, rounds, 0), quantile(v, rounds, 1), m[p] / m[DP_LOOP]);
	}
	fprintf(md, "\nThe filter's cost at line rate: %.0f %% (the session with it against without);"
		    " a session against pasta: %.1f×.\n\n",
		100.0 * (1 - m[DP_SESSION] / m[DP_NOFILTER]), m[DP_SESSION] / m[DP_PASTA]);
	printf("data plane (Gbit/s): loopback %.2f, host-wan %.2f, session %.2f (%.2f of loopback),"
	       " no filter %.2f, pasta %.2f\n",
	       m[DP_LOOP], m[DP_HOST], m[DP_SESSION], m[DP_SESSION] / m[DP_LOOP], m[DP_NOFILTER],
	       m[DP_PASTA]);
	fflush(stdout);
	fclose(tsv);
	free(g);
	wan_down();
}

/*
 * Limits (rate_out, rate_in): how close a bulk transfer each way comes to
 * 10 and 100 Mbit/s, what a full limit adds to the round trip, and what
 * the limits add to a login.
 */
static double limits_mbits(unsigned int user, const char *dir, unsigned int secs)
{
	char cmd[512];
	char *argv[] = { (char *)"bash", (char *)"-c", cmd, NULL };

	snprintf(cmd, sizeof(cmd),
		 "set -o pipefail; ip netns exec user-b%05u iperf3 -c 198.51.100.1 -t %u %s -J |"
		 " jq '.end.sum_received.bits_per_second / 1e6'",
		 user, secs, dir);
	return run(argv, true, false);
}

/* The median round trip to the wan, ms: idle, or while a bulk transfer runs (dir: "" out, "-R" in). */
static double limits_rtt(unsigned int user, const char *dir)
{
	char cmd[640];
	char *argv[] = { (char *)"bash", (char *)"-c", cmd, NULL };

	snprintf(cmd, sizeof(cmd),
		 "ns=user-b%05u; %s%s%s ip netns exec $ns ping -c 15 -i 0.2 198.51.100.1 |"
		 " sed -n 's/.*time=\\([0-9.]*\\).*/\\1/p' | sort -n | sed -n 8p; wait",
		 user, dir ? "ip netns exec $ns iperf3 -c 198.51.100.1 -t 5 " : "", dir ? dir : "",
		 dir ? " >/dev/null & sleep 1.5;" : "");
	return run(argv, true, false);
}

static void limits(FILE *md)
{
	static const unsigned int rates[] = { 10, 100 };
	static const char *const services[] = { WAN, LIMITED };
	unsigned int rounds = quick ? 1 : 3, secs = quick ? 1 : 3, n = quick ? 3 : 40;
	double c50[2], w50[2];

	wan_up();
	fprintf(md, "### Limits (rate_out, rate_in): a bulk TCP transfer each way (iperf3, one stream, %u rounds of %u s, medians) and the round trip while it runs\n\n",
		rounds, secs);
	fprintf(md, "| limit | sent | of the limit | received | of the limit | round trip idle | under load out | under load in |\n"
		    "|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < ELEMENTSOF(rates); i++) {
		unsigned int user = next_user++;
		double out[8], in[8], idle, busy_out, busy_in;
		char text[256];

		snprintf(text, sizeof(text),
			 "[group:netusers]\nmode = veth\npool4 = 10.200.0.0/16\nprefix4 = 30\n"
			 "rate_out = %umbit\nrate_in = %umbit\n",
			 rates[i], rates[i]);
		write_text(WORK "/limits-now.conf", text);
		module_service("uns-limits-now", WORK "/limits-now.conf");
		users(user, 1);
		pam_login_to("uns-limits-now", user);
		for (unsigned int r = 0; r < rounds; r++) {
			/* Each way in turn, the first alternating. */
			if (r % 2) {
				in[r] = limits_mbits(user, "-R", secs);
				out[r] = limits_mbits(user, "", secs);
			} else {
				out[r] = limits_mbits(user, "", secs);
				in[r] = limits_mbits(user, "-R", secs);
			}
		}
		idle = limits_rtt(user, NULL);
		busy_out = limits_rtt(user, "");
		busy_in = limits_rtt(user, "-R");
		fprintf(md, "| %u Mbit/s | %.2f Mbit/s | %.3f | %.2f Mbit/s | %.3f | %.3f ms | %+.2f ms | %+.2f ms |\n",
			rates[i], quantile(out, rounds, 0.5), quantile(out, rounds, 0.5) / rates[i],
			quantile(in, rounds, 0.5), quantile(in, rounds, 0.5) / rates[i], idle,
			busy_out - idle, busy_in - idle);
		printf("limits %u Mbit/s: sent %.2f, received %.2f Mbit/s; rtt idle %.3f ms, %+.2f out, %+.2f in\n",
		       rates[i], quantile(out, rounds, 0.5), quantile(in, rounds, 0.5), idle,
		       busy_out - idle, busy_in - idle);
	}
	wan_down();
	reset();
	take_turns(services, 2, n, NULL, c50, w50);
	fprintf(md, "\nA login with limits (10mbit each way) against the same policy without them, %u of each, interleaved: cold %.3f against %.3f ms (%+.3f), warm %.3f against %.3f ms (%+.3f).\n\n",
		n, c50[1] / 1e3, c50[0] / 1e3, (c50[1] - c50[0]) / 1e3, w50[1] / 1e3, w50[0] / 1e3,
		(w50[1] - w50[0]) / 1e3);
	printf("limits: login cold %+.3f ms, warm %+.3f ms\n", (c50[1] - c50[0]) / 1e3,
	       (w50[1] - w50[0]) / 1e3);
	fflush(stdout);
}

/*
 * A changed policy reaching live namespaces: N sessions' namespaces, the
 * policy given a deny list and limits, usernetns-create --reload timed;
 * a process inside one of them must live through it.
 */
static void reload(FILE *md)
{
	unsigned int n = quick ? 20 : 1000;
	char *argv[] = { prog("helpers/usernetns-create"), (char *)"--reload", NULL };
	double t;
	int alive;

	reset();
	populate(n);
	/* A session's process, in the first namespace. */
	if (test_sh("ip netns exec user-b%05u sleep 600 >/dev/null 2>&1 & echo $! >" WORK "/held.pid",
		    populated_first))
		die("%s", "cannot start a process in a namespace");
	write_text(USERNETNS_POLICY_PATH, "[group:netusers]\nmode = veth\n"
					  "pool4 = 10.200.0.0/16\nprefix4 = 30\n"
					  "deny = 192.168.0.0/16, 172.16.0.0/12\n"
					  "rate_out = 20mbit\nrate_in = 100mbit\n");
	t = time_cmd(argv);
	alive = test_sh("kill -0 $(cat " WORK "/held.pid)");
	write_text(USERNETNS_POLICY_PATH, "[group:netusers]\nmode = veth\n"
					  "pool4 = 10.200.0.0/16\nprefix4 = 30\n");
	test_sh("kill $(cat " WORK "/held.pid)");
	if (test_sh("ip netns exec user-b%05u tc qdisc show dev eth0 root | grep -q 'rate 20Mbit'",
		    populated_first + n - 1))
		die("%s", "the reload did not make the limits");
	fprintf(md, "### A changed policy reaching live namespaces\n\n"
		    "`usernetns-create --reload` of %u namespaces given a deny list and limits each way: %.2f s (%.2f ms each); a process in one of them %s.\n\n",
		n, t / 1e6, t / 1e3 / n, alive == 0 ? "lived through it" : "did NOT live through it");
	printf("reload: %u namespaces in %.2f s (%.2f ms each), the process inside %s\n", n, t / 1e6,
	       t / 1e3 / n, alive == 0 ? "alive" : "GONE");
	fflush(stdout);
}

static const struct {
	const char *name;
	void (*run)(FILE *md);
} parts[] = {
	{ "contenders", contenders }, { "isolated", isolated }, { "modes", modes }, { "filter", filter },
	{ "groups", groups },
	{ "names", names },	      { "scale", scale },	{ "concurrency", concurrency },
	{ "dataplane", dataplane }, { "limits", limits }, { "reload", reload },
	{ "leases", lease_fs },
};

/* Is this part of the run wanted?  BENCH_ONLY="isolated leases" picks parts. */
static bool part(const char *name)
{
	const char *only = getenv("BENCH_ONLY");
	size_t len = strlen(name);

	for (const char *s = only; s && *s; s += strcspn(s, " ,"), s += strspn(s, " ,"))
		if (strncmp(s, name, len) == 0 && (s[len] == '\0' || strchr(" ,", s[len])))
			return true;
	return !only || !*only;
}

int main(int argc, char **argv)
{
	FILE *md;

	if (argc < 3) {
		fprintf(stderr, "usage: bench OUTDIR BUILDDIR [quick]\n");
		return 2;
	}
	outdir = argv[1];
	builddir = argv[2];
	quick = argc > 3 && strcmp(argv[3], "quick") == 0;
	pam_net = getenv("USERNETNS_BENCH_PAM_NET");
	before_filter = getenv("USERNETNS_BENCH_BEFORE_FILTER");
	before_filter_commit = getenv("USERNETNS_BENCH_BEFORE_FILTER_COMMIT");
	test_sandbox();
	setup();
	md = out_file("results.md");
	/* In this order; leases last: its loop device and ext4 writeback would disturb the others. */
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (part(parts[i].name))
			parts[i].run(md);
	fclose(md);
	reset();
	return 0;
}
