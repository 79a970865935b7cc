// SPDX-License-Identifier: GPL-2.0-only
/*
 * sec_test - accelq privilege and attribution checks. Runs as root in the
 * QEMU guest with accelq.ko loaded (tests/security/run.sh).
 *
 * Netlink (family "accelq"; every command but ENGINE_GET needs
 * CAP_NET_ADMIN in the initial user namespace, checked both on the sender
 * and on the socket's opener):
 *   - uid 65534 gets -EPERM for every mutating command and for TENANT_GET
 *     (do and dump) and QUEUE_GET, and changes nothing; ENGINE_GET works
 *     and carries no tenant data;
 *   - root without CAP_NET_ADMIN gets -EPERM;
 *   - a socket opened by root and used by uid 65534, and one opened by uid
 *     65534 and used by root (SCM_RIGHTS), get -EPERM;
 *   - uid 65534 as "root" of its own user namespace gets -EPERM; in its own
 *     network namespace the family does not exist.
 * Attribution (/dev/accelq, GET_INFO tenant_id; tenant stats over netlink):
 *   - the opener's effective uid picks the uid tenant; an unmatched uid gets
 *     the default tenant, never another's; ruid/euid split follows euid;
 *   - "root" of a user namespace is still its real uid;
 *   - a file passed to another user (SCM_RIGHTS) keeps the opener's tenant
 *     and the receiver's jobs are charged to the opener's tenant;
 *   - the nearest cgroup ancestor matched by a tenant wins; migrating after
 *     open keeps the tenant; an unprivileged user cannot move itself into a
 *     tenant's cgroup;
 *   - with default_tenant=0 an unmatched opener gets -EACCES;
 *   - unprivileged users cannot write module parameters, cannot read
 *     debugfs, cannot read another user's fdinfo, cannot touch another
 *     client's queues.
 *
 * Output is TAP; exit 0 if everything passed.
 *
 * Copyright (C) 2026 The accelq authors
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#include "../accelq_common.h"
#include "../fault/aq_genl.h"

#define UID_A		4242u
#define UID_B		4243u
#define UID_X		4244u	/* matched by nothing */
#define NOBODY		65534u
#define CG		"/sys/fs/cgroup"

static uint16_t family;
static int tap_n, tap_fail;

static void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", ok ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!ok)
		tap_fail++;
}

static void skip(const char *what, const char *why)
{
	printf("ok %d - %s # SKIP %s\n", ++tap_n, what, why);
}

/* ------------------------------------------------------------ helpers -- */

/* Become @ruid/@euid (gid = euid), no groups, no capabilities. */
static int become(uid_t ruid, uid_t euid)
{
	if (setgroups(0, NULL) || setresgid(euid, euid, euid) ||
	    setresuid(ruid, euid, ruid))
		return -errno;
	/* stay the owner of /proc/self (uid_map) after the id change */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	return 0;
}

/* Run @fn in a child; its return value (an int) comes back through a pipe. */
static int in_child(int (*fn)(void *), void *arg)
{
	int p[2], status, ret = -EPIPE;
	pid_t pid;

	if (pipe(p))
		return -errno;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int r;

		close(p[0]);
		r = fn(arg);
		if (write(p[1], &r, sizeof(r)) != sizeof(r))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &ret, sizeof(ret)) != sizeof(ret))
		ret = -EPIPE;
	close(p[0]);
	waitpid(pid, &status, 0);
	return ret;
}

struct nlreq {
	uint8_t cmd;
	uint16_t flags;
	const char *name;	/* ACCELQ_A_TENANT_NAME */
	int id;			/* ACCELQ_A_TENANT_ID if >= 0 */
	int engine;		/* ACCELQ_A_ENGINE_ID if >= 0 */
	int uid;		/* ACCELQ_A_TENANT_MATCH_UID if >= 0 */
	const char *cgroup;
	uint32_t weight;
	bool force;
	int sockfd;		/* use this socket instead of a new one */
	bool connected;		/* ... with send(), no address */
	long replies;		/* out */
	bool tenant_data;	/* out: a reply carried tenant attributes */
};

static int nlreq_cb(const struct nlmsghdr *h, void *arg)
{
	struct nlreq *r = arg;

	r->replies++;
	if (aq_attr(h, ACCELQ_A_TENANT_ID) || aq_attr(h, ACCELQ_A_TENANT_NAME) ||
	    aq_attr(h, ACCELQ_A_TENANT_STATS) || aq_attr(h, ACCELQ_A_CLIENT_PID))
		r->tenant_data = true;
	return 0;
}

static int nl_do(struct nlreq *r)
{
	struct aq_nlmsg m;
	struct aq_nl nl = { .fd = -1 };
	int ret;

	if (r->sockfd >= 0) {
		nl.fd = r->sockfd;
		nl.family = family;
		nl.connected = r->connected;
		nl.rbuf = malloc(AQ_NL_BUF);
	} else {
		ret = aq_nl_open(&nl, family);
		if (ret)
			return ret;
	}
	aq_msg_init(&m, family, r->cmd, r->flags);
	if (r->name)
		aq_put_str(&m, ACCELQ_A_TENANT_NAME, r->name);
	if (r->id >= 0)
		aq_put_u32(&m, ACCELQ_A_TENANT_ID, r->id);
	if (r->engine >= 0)
		aq_put_u32(&m, ACCELQ_A_ENGINE_ID, r->engine);
	if (r->uid >= 0)
		aq_put_u32(&m, ACCELQ_A_TENANT_MATCH_UID, r->uid);
	if (r->cgroup)
		aq_put_str(&m, ACCELQ_A_TENANT_MATCH_CGROUP, r->cgroup);
	if (r->weight)
		aq_put_u32(&m, ACCELQ_A_TENANT_WEIGHT, r->weight);
	if (r->force)
		aq_put_u32(&m, ACCELQ_A_TENANT_DEL_FLAGS, ACCELQ_TENANT_DEL_FORCE);
	r->replies = 0;
	r->tenant_data = false;
	ret = aq_nl_transact(&nl, &m, nlreq_cb, r);
	if (r->sockfd >= 0) {
		free(nl.rbuf);
		return ret;
	}
	aq_nl_close(&nl);
	return ret;
}

#define NLREQ(...) ((struct nlreq){ .id = -1, .engine = -1, .uid = -1, .sockfd = -1, __VA_ARGS__ })

struct tinfo {
	bool found;
	uint32_t id, weight;
	uint64_t accepted;
};

static int tinfo_cb(const struct nlmsghdr *h, void *arg)
{
	struct tinfo *t = arg;
	const struct nlattr *a, *st;

	t->found = true;
	if ((a = aq_attr(h, ACCELQ_A_TENANT_ID)))
		t->id = aq_attr_u32(a);
	if ((a = aq_attr(h, ACCELQ_A_TENANT_WEIGHT)))
		t->weight = aq_attr_u32(a);
	st = aq_attr(h, ACCELQ_A_TENANT_STATS);
	if (st) {
		const char *p = (const char *)st + NLA_HDRLEN;
		const char *end = (const char *)st + st->nla_len;

		while (p + NLA_HDRLEN <= end) {
			const struct nlattr *x = (const void *)p;

			if (x->nla_len < NLA_HDRLEN)
				break;
			if ((x->nla_type & NLA_TYPE_MASK) == ACCELQ_A_STATS_JOBS_ACCEPTED)
				t->accepted = aq_attr_u64(x);
			p += NLA_ALIGN(x->nla_len);
		}
	}
	return 0;
}

static struct tinfo tenant(const char *name)
{
	struct tinfo t = { 0 };
	struct aq_nl nl;
	struct aq_nlmsg m;

	if (aq_nl_open(&nl, family))
		return t;
	aq_msg_init(&m, family, ACCELQ_CMD_TENANT_GET, 0);
	aq_put_str(&m, ACCELQ_A_TENANT_NAME, name);
	if (aq_nl_transact(&nl, &m, tinfo_cb, &t))
		t.found = false;
	aq_nl_close(&nl);
	return t;
}

static long count_tenants(void)
{
	struct nlreq r = NLREQ(.cmd = ACCELQ_CMD_TENANT_GET, .flags = NLM_F_DUMP);

	return nl_do(&r) ? -1 : r.replies;
}

static int resets_cb(const struct nlmsghdr *h, void *arg)
{
	const struct nlattr *a = aq_attr(h, ACCELQ_A_ENGINE_RESETS);

	if (a)
		*(uint64_t *)arg = aq_attr_u64(a);
	return 0;
}

static uint64_t engine_resets(int engine)
{
	struct aq_nl nl;
	struct aq_nlmsg m;
	uint64_t v = 0;

	if (aq_nl_open(&nl, family))
		return UINT64_MAX;
	aq_msg_init(&m, family, ACCELQ_CMD_ENGINE_GET, 0);
	aq_put_u32(&m, ACCELQ_A_ENGINE_ID, engine);
	aq_nl_transact(&nl, &m, resets_cb, &v);
	aq_nl_close(&nl);
	return v;
}

static int tenant_new(const char *name, int uid, const char *cgroup)
{
	struct nlreq r = NLREQ(.cmd = ACCELQ_CMD_TENANT_NEW, .name = name, .uid = uid,
			       .cgroup = cgroup);

	return nl_do(&r);
}

static void tenant_del(const char *name)
{
	struct nlreq r = NLREQ(.cmd = ACCELQ_CMD_TENANT_DEL, .name = name, .force = true);

	nl_do(&r);
}

/* GET_INFO tenant_id of a fresh open, or -errno. */
static int open_tenant(void)
{
	struct accelq_info info;
	int fd = aq_open(), ret;

	if (fd < 0)
		return -errno;
	ret = aq_info(fd, &info);
	close(fd);
	return ret ? ret : (int)info.tenant_id;
}

/* ----------------------------------------------------- netlink: nobody -- */

static const char *cmd_name(uint8_t cmd)
{
	static const char *const n[] = {
		[ACCELQ_CMD_TENANT_NEW] = "TENANT_NEW", [ACCELQ_CMD_TENANT_SET] = "TENANT_SET",
		[ACCELQ_CMD_TENANT_DEL] = "TENANT_DEL", [ACCELQ_CMD_TENANT_GET] = "TENANT_GET",
		[ACCELQ_CMD_TENANT_CLEAR_BAN] = "TENANT_CLEAR_BAN",
		[ACCELQ_CMD_ENGINE_GET] = "ENGINE_GET", [ACCELQ_CMD_ENGINE_RESET] = "ENGINE_RESET",
		[ACCELQ_CMD_QUEUE_GET] = "QUEUE_GET",
	};

	return cmd < sizeof(n) / sizeof(n[0]) && n[cmd] ? n[cmd] : "?";
}

/* The requests every unprivileged test tries. */
static struct nlreq denied[] = {
	{ .cmd = ACCELQ_CMD_TENANT_NEW, .name = "sec-evil", .uid = NOBODY, .id = -1, .engine = -1, .sockfd = -1 },
	{ .cmd = ACCELQ_CMD_TENANT_SET, .name = "sec-b", .weight = 9999, .id = -1, .engine = -1, .uid = -1, .sockfd = -1 },
	{ .cmd = ACCELQ_CMD_TENANT_DEL, .name = "sec-b", .force = true, .id = -1, .engine = -1, .uid = -1, .sockfd = -1 },
	{ .cmd = ACCELQ_CMD_TENANT_CLEAR_BAN, .id = 0, .engine = -1, .uid = -1, .sockfd = -1 },
	{ .cmd = ACCELQ_CMD_ENGINE_RESET, .engine = 0, .id = -1, .uid = -1, .sockfd = -1 },
	{ .cmd = ACCELQ_CMD_TENANT_GET, .id = 0, .engine = -1, .uid = -1, .sockfd = -1 },
	{ .cmd = ACCELQ_CMD_TENANT_GET, .name = "sec-a", .id = -1, .engine = -1, .uid = -1, .sockfd = -1 },
	{ .cmd = ACCELQ_CMD_TENANT_GET, .flags = NLM_F_DUMP, .id = -1, .engine = -1, .uid = -1, .sockfd = -1 },
	{ .cmd = ACCELQ_CMD_QUEUE_GET, .flags = NLM_F_DUMP, .id = -1, .engine = -1, .uid = -1, .sockfd = -1 },
	{ .cmd = ACCELQ_CMD_QUEUE_GET, .flags = NLM_F_DUMP, .id = 0, .engine = -1, .uid = -1, .sockfd = -1 },
};
#define NR_DENIED (sizeof(denied) / sizeof(denied[0]))

struct state {
	long tenants;
	uint32_t b_weight;
	uint64_t resets;
};

static struct state snapshot(void)
{
	struct state s = { count_tenants(), tenant("sec-b").weight, engine_resets(0) };

	return s;
}

static bool same_state(struct state a, struct state b)
{
	return a.tenants == b.tenants && a.b_weight == b.b_weight && a.resets == b.resets;
}

/* Child bodies: arg = index into denied[], or a mode. */
static int child_nobody_req(void *arg)
{
	struct nlreq *r = arg;

	if (become(NOBODY, NOBODY))
		return -1000;
	return nl_do(r);
}

static void check_denied(const char *who, int (*body)(void *), int sockfd)
{
	struct state s0 = snapshot(), s1;
	unsigned int i;

	for (i = 0; i < NR_DENIED; i++) {
		struct nlreq r = denied[i];
		int ret;

		r.sockfd = sockfd;
		ret = in_child(body, &r);
		tap(ret == -EPERM, "%s: %s%s%s -> %s (want EPERM)", who, cmd_name(r.cmd),
		    r.flags & NLM_F_DUMP ? " dump" : "",
		    r.name ? " " : "", ret ? strerror(-ret) : "success");
	}
	s1 = snapshot();
	tap(same_state(s0, s1), "%s: nothing changed (tenants %ld/%ld, sec-b weight %u/%u, resets %llu/%llu)",
	    who, s0.tenants, s1.tenants, s0.b_weight, s1.b_weight,
	    (unsigned long long)s0.resets, (unsigned long long)s1.resets);
}

static int child_nobody_engine(void *arg)
{
	struct nlreq r = NLREQ(.cmd = ACCELQ_CMD_ENGINE_GET, .flags = NLM_F_DUMP);
	int ret;

	(void)arg;
	if (become(NOBODY, NOBODY))
		return -1000;
	ret = nl_do(&r);
	if (ret)
		return ret;
	if (r.tenant_data)
		return -EPROTO;
	return (int)r.replies;
}

/* root minus CAP_NET_ADMIN */
static int drop_net_admin(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -errno;
	d[CAP_NET_ADMIN / 32].effective &= ~(1u << (CAP_NET_ADMIN % 32));
	d[CAP_NET_ADMIN / 32].permitted &= ~(1u << (CAP_NET_ADMIN % 32));
	d[CAP_NET_ADMIN / 32].inheritable &= ~(1u << (CAP_NET_ADMIN % 32));
	if (syscall(SYS_capset, &h, d))
		return -errno;
	return prctl(PR_CAPBSET_DROP, CAP_NET_ADMIN, 0, 0, 0) ? -errno : 0;
}

static int child_root_nocap_req(void *arg)
{
	if (drop_net_admin())
		return -1000;
	return nl_do(arg);
}

/* user namespace: "root" inside, nobody outside */
static int enter_userns(bool net)
{
	char map[64];
	int fd;

	if (become(NOBODY, NOBODY))
		return -1000;
	if (unshare(CLONE_NEWUSER | (net ? CLONE_NEWNET : 0)))
		return -1003;
	fd = open("/proc/self/setgroups", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "deny", 4) < 0) { /* best effort */ }
		close(fd);
	}
	snprintf(map, sizeof(map), "0 %u 1", NOBODY);
	fd = open("/proc/self/uid_map", O_WRONLY);
	if (fd < 0 || write(fd, map, strlen(map)) < 0)
		return -1001;
	close(fd);
	fd = open("/proc/self/gid_map", O_WRONLY);
	if (fd < 0 || write(fd, map, strlen(map)) < 0)
		return -1002;
	close(fd);
	return 0;
}

static int child_userns_req(void *arg)
{
	int ret = enter_userns(false);

	if (ret)
		return ret;
	return nl_do(arg);
}

static int child_netns_resolve(void *arg)
{
	struct aq_nl nl;
	int ret = enter_userns(true);

	(void)arg;
	if (ret)
		return ret;
	ret = aq_nl_open(&nl, 0);
	if (!ret)
		aq_nl_close(&nl);
	return ret;
}

/* socket opened by root, used by nobody */
static int child_nobody_inherited(void *arg)
{
	return child_nobody_req(arg);
}

/* socket opened by nobody, sent to root */
static int send_fd(int sock, int fd)
{
	char c = 0;
	struct iovec iov = { &c, 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

static int recv_fd(int sock)
{
	char c;
	struct iovec iov = { &c, 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -errno;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static int sp[2];

static int child_open_nl_and_send(void *arg)
{
	int fd;

	(void)arg;
	if (become(NOBODY, NOBODY))
		return -1000;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -errno;
	/* connected to the kernel: the receiver can write() to it */
	if (connect(fd, (struct sockaddr *)&kernel, sizeof(kernel)))
		return -errno;
	return send_fd(sp[1], fd);
}

static void netlink_tests(void)
{
	struct state s0, s1;
	unsigned int i;
	int ret, fd;

	check_denied("uid 65534", child_nobody_req, -1);

	ret = in_child(child_nobody_engine, NULL);
	tap(ret > 0, "uid 65534: ENGINE_GET dump allowed, no tenant data (%d engines%s)",
	    ret > 0 ? ret : 0, ret == -EPROTO ? ", but tenant attributes in the reply" :
	    ret < 0 ? ", failed" : "");

	check_denied("root without CAP_NET_ADMIN", child_root_nocap_req, -1);

	/* root's socket used by nobody */
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	{
		struct timeval tv = { .tv_sec = 5 };

		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	check_denied("uid 65534 with a socket root opened", child_nobody_inherited, fd);
	close(fd);

	/*
	 * nobody's socket written to by root: the setuid-deputy pattern (an
	 * unprivileged user hands a netlink socket to a privileged program as
	 * its stdout). Without a destination address the kernel checks the
	 * opener's capability too. (With sendto() and an address only the
	 * sender counts, by design of netlink_capable().)
	 */
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sp);
	ret = in_child(child_open_nl_and_send, NULL);
	fd = ret ? ret : recv_fd(sp[0]);
	close(sp[0]);
	close(sp[1]);
	if (fd < 0) {
		tap(false, "pass a netlink socket from uid 65534 to root: %s", strerror(-fd));
	} else {
		struct timeval tv = { .tv_sec = 5 };

		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		s0 = snapshot();
		for (i = 0; i < NR_DENIED; i++) {
			struct nlreq r = denied[i];

			r.sockfd = fd;
			r.connected = true;
			ret = nl_do(&r);
			tap(ret == -EPERM, "root writing to a socket uid 65534 opened: %s%s -> %s (want EPERM)",
			    cmd_name(r.cmd), r.flags & NLM_F_DUMP ? " dump" : "",
			    ret ? strerror(-ret) : "success");
		}
		s1 = snapshot();
		tap(same_state(s0, s1), "root writing to a socket uid 65534 opened: nothing changed");
		close(fd);
	}

	/* user namespace root */
	{
		struct nlreq r = NLREQ(.cmd = ACCELQ_CMD_TENANT_NEW, .name = "sec-userns", .uid = NOBODY);

		ret = in_child(child_userns_req, &r);
		if (ret > -1000)
			tap(ret == -EPERM && !tenant("sec-userns").found,
			    "root of a user namespace (uid 65534 outside): TENANT_NEW -> %s (want EPERM)",
			    ret ? strerror(-ret) : "success");
		else
			skip("root of a user namespace: TENANT_NEW",
			     ret == -1003 ? "unprivileged user namespaces are disabled" :
			     "cannot map ids in a user namespace");
		tenant_del("sec-userns");
		r = NLREQ(.cmd = ACCELQ_CMD_TENANT_GET, .id = 0);
		ret = in_child(child_userns_req, &r);
		if (ret > -1000)
			tap(ret == -EPERM, "root of a user namespace: TENANT_GET -> %s (want EPERM)",
			    ret ? strerror(-ret) : "success");
		ret = in_child(child_netns_resolve, NULL);
		if (ret > -1000)
			tap(ret == -ENOENT, "own network namespace: family \"accelq\" not visible (%s)",
			    ret ? strerror(-ret) : "resolved!");
	}
}

/* ----------------------------------------------------------- attribution -- */

static int child_open_as(void *arg)
{
	uid_t *ids = arg;

	if (become(ids[0], ids[1]))
		return -1000;
	return open_tenant();
}

static int child_userns_open(void *arg)
{
	uid_t uid = *(uid_t *)arg;
	char map[64];
	int fd;

	if (become(uid, uid))
		return -1000;
	if (unshare(CLONE_NEWUSER))
		return -1003;
	fd = open("/proc/self/setgroups", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "deny", 4) < 0) { /* best effort */ }
		close(fd);
	}
	snprintf(map, sizeof(map), "0 %u 1", uid);
	fd = open("/proc/self/uid_map", O_WRONLY);
	if (fd < 0 || write(fd, map, strlen(map)) < 0)
		return -1001;
	close(fd);
	if (geteuid() != 0)
		return -1002;
	return open_tenant();
}

/* Open as A, send the file to a process running as B. */
static int child_open_send(void *arg)
{
	int fd;

	(void)arg;
	if (become(UID_A, UID_A))
		return -1000;
	fd = aq_open();
	if (fd < 0)
		return -errno;
	return send_fd(sp[1], fd);
}

static int child_recv_submit(void *arg)
{
	struct accelq_info info;
	struct accelq_job j[5];
	__u32 qid, acc = 0;
	__u64 first;
	int fd, i, ret;

	(void)arg;
	if (become(UID_B, UID_B))
		return -1000;
	fd = recv_fd(sp[0]);
	if (fd < 0)
		return fd;
	if (aq_info(fd, &info))
		return -1001;
	ret = aq_qcreate(fd, ACCELQ_ENGINE_ANY, ACCELQ_CLASS_BATCH, 8, &qid, NULL);
	if (ret)
		return ret;
	for (i = 0; i < 5; i++)
		j[i] = (struct accelq_job){ .cost_ns = 1000, .user_data = i };
	ret = aq_submit(fd, qid, j, 5, &acc, &first);
	if (ret || acc != 5)
		return ret ? ret : -1002;
	aq_wait(fd, qid, first + 4, 5 * NSEC_PER_SEC);
	close(fd);
	return (int)info.tenant_id;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int move_self(const char *cg)
{
	char path[256], pid[32];

	snprintf(path, sizeof(path), CG "%s/cgroup.procs", cg);
	snprintf(pid, sizeof(pid), "%d", getpid());
	return write_str(path, pid);
}

static int child_cgroup_open(void *arg)
{
	const char *cg = arg;
	struct accelq_info info;
	int fd, t1, t2;

	if (move_self(cg))
		return -1000;
	t1 = open_tenant();
	fd = aq_open();
	if (fd < 0)
		return -1001;
	/* migrate after open: the file keeps its tenant */
	if (move_self(""))
		return -1002;
	if (aq_info(fd, &info))
		return -1003;
	t2 = open_tenant();
	close(fd);
	/* t1: tenant at open; info: same file after migrating; t2: fresh open */
	if (t1 < 0 || t2 < 0)
		return -1004;
	return (t1 & 0x3ff) | (int)(info.tenant_id & 0x3ff) << 10 | (t2 & 0x3ff) << 20;
}

static int child_cgroup_escape(void *arg)
{
	(void)arg;
	if (become(UID_X, UID_X))
		return -1000;
	return move_self("/sec-c");
}

static void attribution_tests(void)
{
	struct tinfo a, b;
	uid_t ids[2];
	int ret, c_id;

	if (!tenant("sec-a").found)
		tenant_new("sec-a", UID_A, NULL);
	if (!tenant("sec-b").found)
		tenant_new("sec-b", UID_B, NULL);
	a = tenant("sec-a");
	b = tenant("sec-b");
	if (!a.found || !b.found) {
		tap(false, "tenants sec-a/sec-b exist");
		return;
	}
	ids[0] = ids[1] = UID_A;
	ret = in_child(child_open_as, ids);
	tap(ret == (int)a.id, "euid %u opens: tenant %d (want sec-a = %u)", UID_A, ret, a.id);
	ids[0] = ids[1] = UID_B;
	ret = in_child(child_open_as, ids);
	tap(ret == (int)b.id, "euid %u opens: tenant %d (want sec-b = %u)", UID_B, ret, b.id);
	ids[0] = ids[1] = UID_X;
	ret = in_child(child_open_as, ids);
	tap(ret == 0, "euid %u (no tenant) opens: tenant %d (want the default, 0)", UID_X, ret);
	ids[0] = UID_B;
	ids[1] = UID_A;
	ret = in_child(child_open_as, ids);
	tap(ret == (int)a.id, "ruid %u euid %u opens: tenant %d (want euid's, sec-a = %u)",
	    UID_B, UID_A, ret, a.id);
	ids[0] = ids[1] = NOBODY;
	ret = in_child(child_open_as, ids);
	tap(ret == 0, "uid 65534 opens: tenant %d (want 0)", ret);

	/* user namespace root is still its real uid */
	{
		uid_t u = UID_B;

		tenant_new("sec-r", 0, NULL);
		ret = in_child(child_userns_open, &u);
		if (ret <= -1000)
			skip("root of a user namespace opens",
			     ret == -1003 ? "unprivileged user namespaces are disabled" :
			     "cannot map ids in a user namespace");
		else
			tap(ret == (int)b.id, "uid %u as root of a user namespace opens: tenant %d (want sec-b = %u, not sec-r for uid 0 = %u)",
			    UID_B, ret, b.id, tenant("sec-r").id);
		tenant_del("sec-r");
	}

	/* fd passing keeps the opener's tenant; the receiver's jobs go to it */
	{
		uint64_t a0 = tenant("sec-a").accepted, b0 = tenant("sec-b").accepted;
		uint64_t a1, b1;
		int r1, r2;
		pid_t p;

		socketpair(AF_UNIX, SOCK_DGRAM, 0, sp);
		/* receiver first (it blocks in recvmsg), then the sender */
		fflush(stdout);
		p = fork();
		if (p == 0) {
			int r = child_recv_submit(NULL);

			_exit(r < 0 ? 100 : r == (int)a.id ? 0 : 101);
		}
		r1 = in_child(child_open_send, NULL);
		waitpid(p, &r2, 0);
		close(sp[0]);
		close(sp[1]);
		a1 = tenant("sec-a").accepted;
		b1 = tenant("sec-b").accepted;
		tap(r1 == 0 && WIFEXITED(r2) && WEXITSTATUS(r2) == 0,
		    "file opened by uid %u, used by uid %u: still tenant sec-a (sender %d, receiver exit %d)",
		    UID_A, UID_B, r1, WIFEXITED(r2) ? WEXITSTATUS(r2) : -1);
		tap(a1 - a0 == 5 && b1 == b0,
		    "its 5 jobs are charged to sec-a (+%llu), not sec-b (+%llu)",
		    (unsigned long long)(a1 - a0), (unsigned long long)(b1 - b0));
	}

	/* cgroups */
	if (access(CG "/cgroup.procs", W_OK)) {
		skip("cgroup attribution", "no writable cgroup v2 at " CG);
	} else {
		mkdir(CG "/sec-c", 0755);
		mkdir(CG "/sec-c/sub", 0755);
		ret = tenant_new("sec-c", -1, "/sec-c");
		c_id = tenant("sec-c").id;
		if (ret) {
			tap(false, "create tenant sec-c for cgroup /sec-c: %s", strerror(-ret));
		} else {
			int v = in_child(child_cgroup_open, (void *)"/sec-c/sub");

			if (v < 0)
				printf("# cgroup child failed: %d\n", v);
			tap(v >= 0 && (v & 0x3ff) == (c_id & 0x3ff),
			    "open in /sec-c/sub: tenant %d (want the nearest matched ancestor sec-c = %d)",
			    v & 0x3ff, c_id);
			tap(v >= 0 && ((v >> 10) & 0x3ff) == (c_id & 0x3ff),
			    "after migrating out, the open file is still sec-c (%d)", (v >> 10) & 0x3ff);
			tap(v >= 0 && ((v >> 20) & 0x3ff) == 0,
			    "a fresh open after migrating out is the default tenant (%d)", (v >> 20) & 0x3ff);
			v = in_child(child_cgroup_escape, NULL);
			tap(v == -EACCES || v == -EPERM || v == -ENOENT,
			    "uid %u cannot move itself into the tenant's cgroup (%s)", UID_X,
			    v ? strerror(-v) : "it could!");
		}
		tenant_del("sec-c");
		rmdir(CG "/sec-c/sub");
		rmdir(CG "/sec-c");
	}

	/* default_tenant=0 */
	{
		char old[8] = "Y";
		int pf = open(AQ_PARAM_DIR "default_tenant", O_RDONLY);

		if (pf >= 0) {
			if (read(pf, old, 1) != 1)
				old[0] = 'Y';
			close(pf);
		}
		old[1] = 0;
		if (write_str(AQ_PARAM_DIR "default_tenant", "0")) {
			skip("default_tenant=0", "cannot write the parameter");
		} else {
			ids[0] = ids[1] = UID_X;
			ret = in_child(child_open_as, ids);
			tap(ret == -EACCES, "default_tenant=0: unmatched uid %u cannot open (%s)",
			    UID_X, ret < 0 ? strerror(-ret) : "opened");
			ids[0] = ids[1] = UID_A;
			ret = in_child(child_open_as, ids);
			tap(ret == (int)a.id, "default_tenant=0: uid %u still opens as sec-a (%d)",
			    UID_A, ret);
			write_str(AQ_PARAM_DIR "default_tenant", old);
		}
	}
}

/* ------------------------------------------------------------- other -- */

static int child_nobody_files(void *arg)
{
	int bits = 0, fd;

	(void)arg;
	if (become(NOBODY, NOBODY))
		return -1000;
	if (write_str(AQ_PARAM_DIR "job_timeout_ms", "1") == 0)
		bits |= 1;
	if (write_str(AQ_PARAM_DIR "default_tenant", "0") == 0)
		bits |= 2;
	fd = open(AQ_STATS, O_RDONLY);
	if (fd >= 0) {
		bits |= 4;
		close(fd);
	}
	if (write_str(AQ_DEBUGFS "/reset_engine", "0") == 0)
		bits |= 8;
	return bits;
}

struct victim {
	int pid, fd;
	__u32 qid;
};

static int child_nobody_poke(void *arg)
{
	struct victim *v = arg;
	char path[64], buf[256];
	int fd, bits = 0, f;
	__u64 seq;

	if (become(NOBODY, NOBODY))
		return -1000;
	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", v->pid, v->fd);
	f = open(path, O_RDONLY);
	if (f >= 0 && read(f, buf, sizeof(buf)) > 0)
		bits |= 1;
	if (f >= 0)
		close(f);
	fd = aq_open();
	if (fd < 0)
		return -1001;
	if (aq_submit1(fd, v->qid, 1000, 1, 0, &seq) != -ENOENT)
		bits |= 2;
	if (aq_wait(fd, v->qid, 1, 0) != -ENOENT)
		bits |= 4;
	if (aq_qdestroy(fd, v->qid) != -ENOENT)
		bits |= 8;
	close(fd);
	return bits;
}

static void other_tests(void)
{
	struct victim v = { .pid = getpid() };
	int ret;

	ret = in_child(child_nobody_files, NULL);
	tap(ret == 0, "uid 65534: cannot write module parameters (%s), read debugfs stats (%s), reset engines via debugfs (%s)",
	    ret & 3 ? "could" : "ok", ret & 4 ? "could" : "ok", ret & 8 ? "could" : "ok");

	v.fd = aq_open();
	if (v.fd < 0 || aq_qcreate(v.fd, ACCELQ_ENGINE_ANY, ACCELQ_CLASS_BATCH, 4, &v.qid, NULL)) {
		tap(false, "root client with a queue");
		return;
	}
	ret = in_child(child_nobody_poke, &v);
	tap(ret == 0, "uid 65534: cannot read root's fdinfo (%s), submit to / wait on / destroy root's queue %u (%s/%s/%s)",
	    ret & 1 ? "could" : "ok", v.qid, ret & 2 ? "could" : "ENOENT",
	    ret & 4 ? "could" : "ENOENT", ret & 8 ? "could" : "ENOENT");
	tap(aq_qdestroy(v.fd, v.qid) == 0, "root's queue survived");
	close(v.fd);
}

int main(void)
{
	struct aq_nl nl;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	if (geteuid() != 0) {
		printf("1..0 # SKIP must run as root\n");
		return 0;
	}
	ret = aq_nl_open(&nl, 0);
	if (ret) {
		printf("Bail out! generic netlink family accelq: %s\n", strerror(-ret));
		return 1;
	}
	family = nl.family;
	aq_nl_close(&nl);

	tenant_del("sec-a");
	tenant_del("sec-b");
	if (tenant_new("sec-a", UID_A, NULL) || tenant_new("sec-b", UID_B, NULL)) {
		printf("Bail out! cannot create tenants sec-a / sec-b\n");
		return 1;
	}
	{
		struct nlreq r = NLREQ(.cmd = ACCELQ_CMD_TENANT_SET, .name = "sec-b", .weight = 150);

		nl_do(&r);
	}

	netlink_tests();
	attribution_tests();
	other_tests();

	tenant_del("sec-a");
	tenant_del("sec-b");
	tenant_del("sec-evil");
	printf("1..%d\n", tap_n);
	return tap_fail ? 1 : 0;
}
