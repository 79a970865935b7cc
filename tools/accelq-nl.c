// SPDX-License-Identifier: GPL-2.0-only
/*
 * accelq-nl - command line client of the accelq generic netlink family.
 *
 * Copyright (C) 2026 The accelq authors
 *
 * Output is one line of key=value pairs per object, or JSON with --json
 * (an object for one, an array for a list). Errors go to stderr with the
 * kernel's extack message; the exit status is the errno (EX_USAGE, 64, for
 * a bad command line).
 */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include <linux/accelq.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define EX_USAGE 64
#define DUMP_RETRIES 5

static const char *prog = "accelq-nl";
static bool json;
static struct nl_sock *sk;
static int family_id;

static const char *const attr_names[ACCELQ_A_MAX + 1] = {
	[ACCELQ_A_TENANT_ID] = "ACCELQ_A_TENANT_ID",
	[ACCELQ_A_TENANT_NAME] = "ACCELQ_A_TENANT_NAME",
	[ACCELQ_A_TENANT_MATCH_CGROUP] = "ACCELQ_A_TENANT_MATCH_CGROUP",
	[ACCELQ_A_TENANT_MATCH_UID] = "ACCELQ_A_TENANT_MATCH_UID",
	[ACCELQ_A_TENANT_CGROUP_ID] = "ACCELQ_A_TENANT_CGROUP_ID",
	[ACCELQ_A_TENANT_WEIGHT] = "ACCELQ_A_TENANT_WEIGHT",
	[ACCELQ_A_TENANT_CAP_QUOTA_NS] = "ACCELQ_A_TENANT_CAP_QUOTA_NS",
	[ACCELQ_A_TENANT_CAP_PERIOD_NS] = "ACCELQ_A_TENANT_CAP_PERIOD_NS",
	[ACCELQ_A_TENANT_CAP_BURST_NS] = "ACCELQ_A_TENANT_CAP_BURST_NS",
	[ACCELQ_A_TENANT_CLASSES] = "ACCELQ_A_TENANT_CLASSES",
	[ACCELQ_A_TENANT_MAX_QUEUES] = "ACCELQ_A_TENANT_MAX_QUEUES",
	[ACCELQ_A_TENANT_MAX_INFLIGHT] = "ACCELQ_A_TENANT_MAX_INFLIGHT",
	[ACCELQ_A_TENANT_MAX_DEPTH] = "ACCELQ_A_TENANT_MAX_DEPTH",
	[ACCELQ_A_TENANT_GUILTY_LIMIT] = "ACCELQ_A_TENANT_GUILTY_LIMIT",
	[ACCELQ_A_TENANT_DEL_FLAGS] = "ACCELQ_A_TENANT_DEL_FLAGS",
	[ACCELQ_A_TENANT_FLAGS] = "ACCELQ_A_TENANT_FLAGS",
	[ACCELQ_A_TENANT_STATS] = "ACCELQ_A_TENANT_STATS",
	[ACCELQ_A_TENANT_NR_QUEUES] = "ACCELQ_A_TENANT_NR_QUEUES",
	[ACCELQ_A_TENANT_NR_CLIENTS] = "ACCELQ_A_TENANT_NR_CLIENTS",
	[ACCELQ_A_TENANT_NR_INFLIGHT] = "ACCELQ_A_TENANT_NR_INFLIGHT",
	[ACCELQ_A_ENGINE_ID] = "ACCELQ_A_ENGINE_ID",
	[ACCELQ_A_ENGINE_NAME] = "ACCELQ_A_ENGINE_NAME",
	[ACCELQ_A_ENGINE_BUSY_NS] = "ACCELQ_A_ENGINE_BUSY_NS",
	[ACCELQ_A_ENGINE_NR_QUEUES] = "ACCELQ_A_ENGINE_NR_QUEUES",
	[ACCELQ_A_ENGINE_RESETS] = "ACCELQ_A_ENGINE_RESETS",
	[ACCELQ_A_ENGINE_PREEMPTIONS] = "ACCELQ_A_ENGINE_PREEMPTIONS",
	[ACCELQ_A_QUEUE_ID] = "ACCELQ_A_QUEUE_ID",
	[ACCELQ_A_QUEUE_CLASS] = "ACCELQ_A_QUEUE_CLASS",
	[ACCELQ_A_QUEUE_DEPTH] = "ACCELQ_A_QUEUE_DEPTH",
	[ACCELQ_A_QUEUE_NR_JOBS] = "ACCELQ_A_QUEUE_NR_JOBS",
	[ACCELQ_A_QUEUE_LAST_SEQNO] = "ACCELQ_A_QUEUE_LAST_SEQNO",
	[ACCELQ_A_QUEUE_DONE_SEQNO] = "ACCELQ_A_QUEUE_DONE_SEQNO",
	[ACCELQ_A_CLIENT_ID] = "ACCELQ_A_CLIENT_ID",
	[ACCELQ_A_CLIENT_PID] = "ACCELQ_A_CLIENT_PID",
	[ACCELQ_A_PAD] = "ACCELQ_A_PAD",
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [--json] OBJECT COMMAND [ARGS]\n"
		"\n"
		"  tenant add NAME (--cgroup PATH | --uid UID) [SETTINGS]\n"
		"  tenant set (NAME | --id ID) [SETTINGS]\n"
		"  tenant del (NAME | --id ID) [--force]\n"
		"  tenant get (NAME | --id ID)\n"
		"  tenant list\n"
		"  tenant clear-ban (NAME | --id ID)\n"
		"  engine list\n"
		"  engine get ID\n"
		"  engine reset ID\n"
		"  queue list [--tenant ID]\n"
		"\n"
		"SETTINGS:\n"
		"  --weight N              share weight, 1..10000 (default 100)\n"
		"  --cap QUOTA_US[/PERIOD_US] | max[/PERIOD_US]\n"
		"                          hard cap like cpu.max (max: no cap)\n"
		"  --burst US              unused quota carried over, <= quota\n"
		"  --classes LIST          comma list of batch, latency\n"
		"  --max-queues N          0 = unlimited\n"
		"  --max-inflight N        0 = unlimited\n"
		"  --max-depth N           0 = unlimited\n"
		"  --guilty-limit N        hangs before a ban, 0 = never\n"
		"\n"
		"Exit status: 0, the errno of a failed request, or 64 for usage.\n",
		prog);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nrun '%s --help' for usage\n", prog);
	exit(EX_USAGE);
}

static void __attribute__((noreturn)) die_errno(int err, const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(err));
	exit(err > 0 && err < 256 ? err : 1);
}

/* ------------------------------------------------------------- output -- */

static FILE *out;
static unsigned int out_fields, out_records;
static bool out_list;

static void json_string(const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void list_begin(void)
{
	out_list = true;
	out_records = 0;
	if (json)
		fputs("[", out);
}

static void list_end(void)
{
	if (json)
		fputs(out_records ? "\n]\n" : "]\n", out);
	out_list = false;
}

static void rec_begin(void)
{
	if (json)
		fputs(out_list ? (out_records ? ",\n{" : "\n{") : "{", out);
	out_records++;
	out_fields = 0;
}

static void rec_end(void)
{
	if (json)
		fputs(out_list ? "}" : "}\n", out);
	else
		fputc('\n', out);
}

static void key(const char *k)
{
	if (json)
		fprintf(out, "%s\"%s\":", out_fields ? "," : "", k);
	else
		fprintf(out, "%s%s=", out_fields ? " " : "", k);
	out_fields++;
}

static void f_u64(const char *k, uint64_t v)
{
	key(k);
	fprintf(out, "%" PRIu64, v);
}

static void f_str(const char *k, const char *s)
{
	key(k);
	if (json)
		json_string(s);
	else
		fputs(s, out);
}

/* A set of names: "a,b" or ["a","b"]. */
static void f_bits(const char *k, uint32_t bits, const char *const *names,
		   unsigned int nr)
{
	bool first = true;
	unsigned int i;

	key(k);
	if (json)
		fputc('[', out);
	for (i = 0; i < 32; i++) {
		if (!(bits & (1u << i)))
			continue;
		if (!first)
			fputc(',', out);
		first = false;
		if (i < nr && names[i]) {
			if (json)
				json_string(names[i]);
			else
				fputs(names[i], out);
		} else {
			fprintf(out, json ? "\"bit%u\"" : "bit%u", i);
		}
	}
	if (json)
		fputc(']', out);
}

static void f_u64_array(const char *k, const uint64_t *v, unsigned int nr)
{
	unsigned int i;

	key(k);
	if (json)
		fputc('[', out);
	for (i = 0; i < nr; i++)
		fprintf(out, "%s%" PRIu64, i ? "," : "", v[i]);
	if (json)
		fputc(']', out);
}

/* ------------------------------------------------------------ netlink -- */

struct request {
	int err;		/* 1 while waiting, then 0 or -errno */
	bool intr;		/* a dump message carried NLM_F_DUMP_INTR */
	int (*parse)(struct nlattr **tb, void *arg);
	void *arg;
};

static const char *attr_name(unsigned int type)
{
	static char buf[32];

	if (type <= ACCELQ_A_MAX && attr_names[type])
		return attr_names[type];
	snprintf(buf, sizeof(buf), "attribute type %u", type);
	return buf;
}

static void print_extack(struct nlmsghdr *nlh, struct nlmsgerr *e)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = { 0 };
	unsigned int off = NLMSG_HDRLEN + sizeof(*e);
	const char *msg = NULL;
	char where[96] = "";

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		goto print;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	if (off >= nlh->nlmsg_len)
		goto print;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)nlh + off),
		      nlh->nlmsg_len - off, NULL))
		goto print;

	if (tb[NLMSGERR_ATTR_MSG])
		msg = nla_get_string(tb[NLMSGERR_ATTR_MSG]);
	if (tb[NLMSGERR_ATTR_OFFS] && !(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		uint32_t aoff = nla_get_u32(tb[NLMSGERR_ATTR_OFFS]);

		/* The offset is into our request, echoed in the error. */
		if (aoff + NLA_HDRLEN <= e->msg.nlmsg_len &&
		    aoff >= NLMSG_HDRLEN + GENL_HDRLEN) {
			struct nlattr *a = (struct nlattr *)((char *)&e->msg + aoff);

			snprintf(where, sizeof(where), " (%s)",
				 attr_name(a->nla_type & NLA_TYPE_MASK));
		}
	}
	if (tb[NLMSGERR_ATTR_MISS_TYPE])
		snprintf(where, sizeof(where), " (missing %s)",
			 attr_name(nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE])));
print:
	fprintf(stderr, "%s: %s%s%s%s\n", prog, strerror(-e->error),
		msg ? ": " : "", msg ? msg : "", where);
}

static int error_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct request *req = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);

	(void)nla;
	req->err = e->error ? e->error : -EPROTO;
	print_extack(nlh, e);
	return NL_STOP;
}

static int finish_cb(struct nl_msg *msg, void *arg)
{
	struct request *req = arg;

	(void)msg;
	req->err = 0;
	return NL_SKIP;
}

static int ack_cb(struct nl_msg *msg, void *arg)
{
	struct request *req = arg;

	(void)msg;
	req->err = 0;
	return NL_STOP;
}

static int intr_cb(struct nl_msg *msg, void *arg)
{
	struct request *req = arg;

	(void)msg;
	req->intr = true;
	return NL_OK;
}

static int valid_cb(struct nl_msg *msg, void *arg)
{
	struct request *req = arg;
	struct nlattr *tb[ACCELQ_A_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, ACCELQ_A_MAX, NULL) < 0) {
		fprintf(stderr, "%s: malformed reply\n", prog);
		return NL_SKIP;
	}
	if (req->parse)
		req->parse(tb, req->arg);
	return NL_OK;
}

static void nl_open(void)
{
	int one = 1;

	sk = nl_socket_alloc();
	if (!sk)
		die_errno(ENOMEM, "nl_socket_alloc");
	if (genl_connect(sk))
		die_errno(errno ? errno : EIO, "netlink socket");
	/* Best effort: without it errors just have no message. */
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		   sizeof(one));
	family_id = genl_ctrl_resolve(sk, ACCELQ_GENL_NAME);
	if (family_id < 0) {
		fprintf(stderr,
			"%s: generic netlink family \"%s\" not found (is accelq.ko loaded?)\n",
			prog, ACCELQ_GENL_NAME);
		exit(ENOENT);
	}
}

static struct nl_msg *msg_new(uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family_id, 0,
				 flags, cmd, ACCELQ_GENL_VERSION))
		die_errno(ENOMEM, "nlmsg_alloc");
	return msg;
}

/* Send @msg (consumed) and process the answer; 0 or a negative errno. */
static int transact(struct nl_msg *msg, struct request *req)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int ret;

	if (!cb)
		die_errno(ENOMEM, "nl_cb_alloc");
	req->err = 1;
	req->intr = false;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, valid_cb, req);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, finish_cb, req);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, ack_cb, req);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, intr_cb, req);
	nl_cb_err(cb, NL_CB_CUSTOM, error_cb, req);

	ret = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	if (ret < 0) {
		fprintf(stderr, "%s: send: %s\n", prog, nl_geterror(ret));
		req->err = -EIO;
	}
	while (req->err > 0) {
		ret = nl_recvmsgs(sk, cb);
		if (ret < 0 && req->err > 0) {
			fprintf(stderr, "%s: receive: %s\n", prog,
				nl_geterror(ret));
			req->err = -EIO;
		}
	}
	nl_cb_put(cb);
	return req->err;
}

static void __attribute__((noreturn)) finish(int err)
{
	nl_socket_free(sk);
	if (out && out != stdout)
		fclose(out);
	exit(err < 0 ? (-err < 256 ? -err : 1) : 0);
}

/*
 * A dump: output goes to a buffer, printed once a dump completed without
 * NLM_F_DUMP_INTR (retried a few times; the last result is printed with a
 * warning).
 */
static int dump(uint8_t cmd, void (*add_attrs)(struct nl_msg *, void *),
		void *attrs_arg, struct request *req)
{
	char *buf = NULL;
	size_t len = 0;
	int tries, err = 0;

	for (tries = 1; tries <= DUMP_RETRIES; tries++) {
		struct nl_msg *msg = msg_new(cmd, NLM_F_DUMP);

		free(buf);
		buf = NULL;
		out = open_memstream(&buf, &len);
		if (!out)
			die_errno(errno, "open_memstream");
		if (add_attrs)
			add_attrs(msg, attrs_arg);
		list_begin();
		err = transact(msg, req);
		list_end();
		fclose(out);
		out = stdout;
		if (err || !req->intr)
			break;
	}
	if (!err) {
		if (req->intr)
			fprintf(stderr,
				"%s: warning: objects changed during the dump; it may be inconsistent\n",
				prog);
		fwrite(buf, 1, len, stdout);
	}
	free(buf);
	return err;
}

/* ------------------------------------------------------------ parsing -- */

static uint64_t parse_u64(const char *opt, const char *s, uint64_t max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (!s || !*s || *s == '-')
		usage_error("%s wants a number", opt);
	v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		usage_error("%s: bad value '%s' (0..%" PRIu64 ")", opt, s, max);
	return v;
}

static uint32_t parse_u32(const char *opt, const char *s)
{
	return parse_u64(opt, s, UINT32_MAX);
}

static uint64_t us_to_ns(const char *opt, const char *s)
{
	return parse_u64(opt, s, UINT64_MAX / 1000) * 1000;
}

static uint32_t parse_classes(const char *s)
{
	char *copy = strdup(s), *tok, *save = NULL;
	uint32_t mask = 0;

	if (!copy)
		die_errno(ENOMEM, "strdup");
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "batch"))
			mask |= ACCELQ_CLASS_MASK_BATCH;
		else if (!strcmp(tok, "latency"))
			mask |= ACCELQ_CLASS_MASK_LATENCY;
		else
			usage_error("--classes: unknown class '%s'", tok);
	}
	free(copy);
	return mask;
}

struct tenant_args {
	const char *name;
	bool have_id;
	uint32_t id;
	const char *cgroup;
	bool have_uid;
	uint32_t uid;
	bool force;
	struct nl_msg *msg;	/* settings are put as they are parsed */
};

static void need_arg(int argc, char **argv, int i)
{
	if (i + 1 >= argc)
		usage_error("%s needs a value", argv[i]);
}

/*
 * Parse "tenant VERB" arguments. @settings: accept SETTINGS; @match:
 * accept --cgroup/--uid; @force: accept --force.
 */
static void parse_tenant_args(int argc, char **argv, struct tenant_args *ta,
			      bool settings, bool match, bool force)
{
	struct nl_msg *msg = ta->msg;
	int i;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] != '-' || !a[1]) {
			if (ta->name || ta->have_id)
				usage_error("unexpected argument '%s'", a);
			ta->name = a;
		} else if (!strcmp(a, "--id")) {
			need_arg(argc, argv, i);
			if (ta->name || ta->have_id)
				usage_error("give a NAME or --id, once");
			ta->have_id = true;
			ta->id = parse_u32(a, argv[++i]);
		} else if (match && !strcmp(a, "--cgroup")) {
			need_arg(argc, argv, i);
			ta->cgroup = argv[++i];
		} else if (match && !strcmp(a, "--uid")) {
			need_arg(argc, argv, i);
			ta->have_uid = true;
			ta->uid = parse_u32(a, argv[++i]);
		} else if (force && !strcmp(a, "--force")) {
			ta->force = true;
		} else if (settings && !strcmp(a, "--weight")) {
			need_arg(argc, argv, i);
			nla_put_u32(msg, ACCELQ_A_TENANT_WEIGHT,
				    parse_u32(a, argv[++i]));
		} else if (settings && !strcmp(a, "--cap")) {
			char *v, *slash;

			need_arg(argc, argv, i);
			v = strdup(argv[++i]);
			if (!v)
				die_errno(ENOMEM, "strdup");
			slash = strchr(v, '/');
			if (slash) {
				*slash = '\0';
				nla_put_u64(msg, ACCELQ_A_TENANT_CAP_PERIOD_NS,
					    us_to_ns(a, slash + 1));
			}
			nla_put_u64(msg, ACCELQ_A_TENANT_CAP_QUOTA_NS,
				    strcmp(v, "max") ? us_to_ns(a, v) : 0);
			free(v);
		} else if (settings && !strcmp(a, "--burst")) {
			need_arg(argc, argv, i);
			nla_put_u64(msg, ACCELQ_A_TENANT_CAP_BURST_NS,
				    us_to_ns(a, argv[++i]));
		} else if (settings && !strcmp(a, "--classes")) {
			need_arg(argc, argv, i);
			nla_put_u32(msg, ACCELQ_A_TENANT_CLASSES,
				    parse_classes(argv[++i]));
		} else if (settings && !strcmp(a, "--max-queues")) {
			need_arg(argc, argv, i);
			nla_put_u32(msg, ACCELQ_A_TENANT_MAX_QUEUES,
				    parse_u32(a, argv[++i]));
		} else if (settings && !strcmp(a, "--max-inflight")) {
			need_arg(argc, argv, i);
			nla_put_u32(msg, ACCELQ_A_TENANT_MAX_INFLIGHT,
				    parse_u32(a, argv[++i]));
		} else if (settings && !strcmp(a, "--max-depth")) {
			need_arg(argc, argv, i);
			nla_put_u32(msg, ACCELQ_A_TENANT_MAX_DEPTH,
				    parse_u32(a, argv[++i]));
		} else if (settings && !strcmp(a, "--guilty-limit")) {
			need_arg(argc, argv, i);
			nla_put_u32(msg, ACCELQ_A_TENANT_GUILTY_LIMIT,
				    parse_u32(a, argv[++i]));
		} else {
			usage_error("unknown option '%s'", a);
		}
	}
	if (!ta->name && !ta->have_id)
		usage_error("which tenant? give a NAME or --id ID");
	if (ta->name)
		nla_put_string(msg, ACCELQ_A_TENANT_NAME, ta->name);
	if (ta->have_id)
		nla_put_u32(msg, ACCELQ_A_TENANT_ID, ta->id);
	if (ta->cgroup)
		nla_put_string(msg, ACCELQ_A_TENANT_MATCH_CGROUP, ta->cgroup);
	if (ta->have_uid)
		nla_put_u32(msg, ACCELQ_A_TENANT_MATCH_UID, ta->uid);
	if (ta->force)
		nla_put_u32(msg, ACCELQ_A_TENANT_DEL_FLAGS,
			    ACCELQ_TENANT_DEL_FORCE);
}

/* ------------------------------------------------------------ printers -- */

static const char *const class_names[] = { "batch", "latency" };
static const char *const tenant_flag_names[] = {
	"banned", "throttled", "default",
};

static uint64_t get_u64(struct nlattr *a)
{
	return a ? nla_get_u64(a) : 0;
}

static uint32_t get_u32(struct nlattr *a)
{
	return a ? nla_get_u32(a) : 0;
}

static int print_tenant(struct nlattr **tb, void *arg)
{
	struct nlattr *st[ACCELQ_A_STATS_MAX + 1] = { 0 };
	uint64_t busy[64] = { 0 };
	unsigned int nr_busy = 0;

	(void)arg;
	if (!tb[ACCELQ_A_TENANT_ID])
		return 0;
	if (tb[ACCELQ_A_TENANT_STATS])
		nla_parse_nested(st, ACCELQ_A_STATS_MAX,
				 tb[ACCELQ_A_TENANT_STATS], NULL);
	if (st[ACCELQ_A_STATS_ENGINE_BUSY]) {
		struct nlattr *a;
		int rem;

		nla_for_each_nested(a, st[ACCELQ_A_STATS_ENGINE_BUSY], rem) {
			unsigned int t = nla_type(a);

			/* Type 0 is padding; engine id = type - 1. */
			if (!t || t > 64 || nla_len(a) != 8)
				continue;
			busy[t - 1] = nla_get_u64(a);
			if (t > nr_busy)
				nr_busy = t;
		}
	}

	rec_begin();
	f_u64("id", get_u32(tb[ACCELQ_A_TENANT_ID]));
	f_str("name", tb[ACCELQ_A_TENANT_NAME] ?
		      nla_get_string(tb[ACCELQ_A_TENANT_NAME]) : "");
	if (tb[ACCELQ_A_TENANT_MATCH_UID]) {
		f_str("match", "uid");
		f_u64("uid", get_u32(tb[ACCELQ_A_TENANT_MATCH_UID]));
	} else if (tb[ACCELQ_A_TENANT_CGROUP_ID]) {
		f_str("match", "cgroup");
		f_u64("cgroup_id", get_u64(tb[ACCELQ_A_TENANT_CGROUP_ID]));
	} else {
		f_str("match", "none");
	}
	f_u64("weight", get_u32(tb[ACCELQ_A_TENANT_WEIGHT]));
	f_u64("cap_quota_ns", get_u64(tb[ACCELQ_A_TENANT_CAP_QUOTA_NS]));
	f_u64("cap_period_ns", get_u64(tb[ACCELQ_A_TENANT_CAP_PERIOD_NS]));
	f_u64("cap_burst_ns", get_u64(tb[ACCELQ_A_TENANT_CAP_BURST_NS]));
	f_bits("classes", get_u32(tb[ACCELQ_A_TENANT_CLASSES]), class_names,
	       2);
	f_u64("max_queues", get_u32(tb[ACCELQ_A_TENANT_MAX_QUEUES]));
	f_u64("max_inflight", get_u32(tb[ACCELQ_A_TENANT_MAX_INFLIGHT]));
	f_u64("max_depth", get_u32(tb[ACCELQ_A_TENANT_MAX_DEPTH]));
	f_u64("guilty_limit", get_u32(tb[ACCELQ_A_TENANT_GUILTY_LIMIT]));
	f_bits("flags", get_u32(tb[ACCELQ_A_TENANT_FLAGS]), tenant_flag_names,
	       3);
	f_u64("nr_queues", get_u32(tb[ACCELQ_A_TENANT_NR_QUEUES]));
	f_u64("nr_clients", get_u32(tb[ACCELQ_A_TENANT_NR_CLIENTS]));
	f_u64("nr_inflight", get_u32(tb[ACCELQ_A_TENANT_NR_INFLIGHT]));
	f_u64("busy_ns", get_u64(st[ACCELQ_A_STATS_BUSY_NS]));
	f_u64_array("engine_busy_ns", busy, nr_busy);
	f_u64("jobs_accepted", get_u64(st[ACCELQ_A_STATS_JOBS_ACCEPTED]));
	f_u64("jobs_ok", get_u64(st[ACCELQ_A_STATS_JOBS_OK]));
	f_u64("jobs_canceled", get_u64(st[ACCELQ_A_STATS_JOBS_CANCELED]));
	f_u64("jobs_timedout", get_u64(st[ACCELQ_A_STATS_JOBS_TIMEDOUT]));
	f_u64("jobs_io", get_u64(st[ACCELQ_A_STATS_JOBS_IO]));
	f_u64("wait_ns", get_u64(st[ACCELQ_A_STATS_WAIT_NS]));
	f_u64("preemptions", get_u64(st[ACCELQ_A_STATS_PREEMPTIONS]));
	f_u64("nr_periods", get_u64(st[ACCELQ_A_STATS_NR_PERIODS]));
	f_u64("nr_throttled", get_u64(st[ACCELQ_A_STATS_NR_THROTTLED]));
	f_u64("throttled_ns", get_u64(st[ACCELQ_A_STATS_THROTTLED_NS]));
	f_u64("guilty", get_u32(st[ACCELQ_A_STATS_GUILTY]));
	rec_end();
	return 0;
}

static int print_engine(struct nlattr **tb, void *arg)
{
	(void)arg;
	if (!tb[ACCELQ_A_ENGINE_ID])
		return 0;
	rec_begin();
	f_u64("id", get_u32(tb[ACCELQ_A_ENGINE_ID]));
	f_str("name", tb[ACCELQ_A_ENGINE_NAME] ?
		      nla_get_string(tb[ACCELQ_A_ENGINE_NAME]) : "");
	f_u64("busy_ns", get_u64(tb[ACCELQ_A_ENGINE_BUSY_NS]));
	f_u64("nr_queues", get_u32(tb[ACCELQ_A_ENGINE_NR_QUEUES]));
	f_u64("resets", get_u64(tb[ACCELQ_A_ENGINE_RESETS]));
	f_u64("preemptions", get_u64(tb[ACCELQ_A_ENGINE_PREEMPTIONS]));
	rec_end();
	return 0;
}

static int print_queue(struct nlattr **tb, void *arg)
{
	uint32_t class = get_u32(tb[ACCELQ_A_QUEUE_CLASS]);

	(void)arg;
	if (!tb[ACCELQ_A_QUEUE_ID])
		return 0;
	rec_begin();
	f_u64("id", get_u32(tb[ACCELQ_A_QUEUE_ID]));
	f_u64("tenant", get_u32(tb[ACCELQ_A_TENANT_ID]));
	f_u64("client", get_u64(tb[ACCELQ_A_CLIENT_ID]));
	f_u64("pid", get_u32(tb[ACCELQ_A_CLIENT_PID]));
	f_u64("engine", get_u32(tb[ACCELQ_A_ENGINE_ID]));
	f_str("class", class < 2 ? class_names[class] : "unknown");
	f_u64("depth", get_u32(tb[ACCELQ_A_QUEUE_DEPTH]));
	f_u64("nr_jobs", get_u32(tb[ACCELQ_A_QUEUE_NR_JOBS]));
	f_u64("last_seqno", get_u64(tb[ACCELQ_A_QUEUE_LAST_SEQNO]));
	f_u64("done_seqno", get_u64(tb[ACCELQ_A_QUEUE_DONE_SEQNO]));
	rec_end();
	return 0;
}

/* ------------------------------------------------------------ commands -- */

static int cmd_tenant(int argc, char **argv)
{
	struct request req = { .parse = print_tenant };
	struct tenant_args ta = { 0 };
	const char *verb;
	uint8_t cmd;

	if (argc < 1)
		usage_error("tenant: which command?");
	verb = argv[0];
	argc--;
	argv++;

	if (!strcmp(verb, "list")) {
		if (argc)
			usage_error("tenant list takes no argument");
		return dump(ACCELQ_CMD_TENANT_GET, NULL, NULL, &req);
	}

	if (!strcmp(verb, "add"))
		cmd = ACCELQ_CMD_TENANT_NEW;
	else if (!strcmp(verb, "set"))
		cmd = ACCELQ_CMD_TENANT_SET;
	else if (!strcmp(verb, "del"))
		cmd = ACCELQ_CMD_TENANT_DEL;
	else if (!strcmp(verb, "get"))
		cmd = ACCELQ_CMD_TENANT_GET;
	else if (!strcmp(verb, "clear-ban"))
		cmd = ACCELQ_CMD_TENANT_CLEAR_BAN;
	else
		usage_error("tenant: unknown command '%s'", verb);

	ta.msg = msg_new(cmd, 0);
	parse_tenant_args(argc, argv, &ta,
			  cmd == ACCELQ_CMD_TENANT_NEW ||
			  cmd == ACCELQ_CMD_TENANT_SET,
			  cmd == ACCELQ_CMD_TENANT_NEW,
			  cmd == ACCELQ_CMD_TENANT_DEL);
	if (cmd == ACCELQ_CMD_TENANT_NEW) {
		if (ta.have_id)
			usage_error("tenant add: ids are assigned, give a NAME");
		if (!!ta.cgroup == ta.have_uid)
			usage_error("tenant add: give exactly one of --cgroup, --uid");
	}
	return transact(ta.msg, &req);
}

static void add_tenant_filter(struct nl_msg *msg, void *arg)
{
	nla_put_u32(msg, ACCELQ_A_TENANT_ID, *(uint32_t *)arg);
}

static int cmd_engine(int argc, char **argv)
{
	struct request req = { .parse = print_engine };
	struct nl_msg *msg;

	if (argc < 1)
		usage_error("engine: which command?");
	if (!strcmp(argv[0], "list")) {
		if (argc != 1)
			usage_error("engine list takes no argument");
		return dump(ACCELQ_CMD_ENGINE_GET, NULL, NULL, &req);
	}
	if (strcmp(argv[0], "get") && strcmp(argv[0], "reset"))
		usage_error("engine: unknown command '%s'", argv[0]);
	if (argc != 2)
		usage_error("engine %s wants one engine ID", argv[0]);
	msg = msg_new(strcmp(argv[0], "get") ? ACCELQ_CMD_ENGINE_RESET :
					       ACCELQ_CMD_ENGINE_GET, 0);
	nla_put_u32(msg, ACCELQ_A_ENGINE_ID, parse_u32("ID", argv[1]));
	return transact(msg, &req);
}

static int cmd_queue(int argc, char **argv)
{
	struct request req = { .parse = print_queue };
	bool filter = false;
	uint32_t tenant = 0;
	int i;

	if (argc < 1 || strcmp(argv[0], "list"))
		usage_error("queue: the only command is 'list'");
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--tenant")) {
			need_arg(argc, argv, i);
			filter = true;
			tenant = parse_u32(argv[i], argv[i + 1]);
			i++;
		} else {
			usage_error("unknown option '%s'", argv[i]);
		}
	}
	return dump(ACCELQ_CMD_QUEUE_GET, filter ? add_tenant_filter : NULL,
		    &tenant, &req);
}

int main(int argc, char **argv)
{
	int (*cmd)(int argc, char **argv);
	int i = 1;

	out = stdout;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j")) {
			json = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else {
			usage_error("unknown option '%s'", argv[i]);
		}
	}
	if (i >= argc)
		usage_error("which object? tenant, engine or queue");

	if (!strcmp(argv[i], "tenant"))
		cmd = cmd_tenant;
	else if (!strcmp(argv[i], "engine"))
		cmd = cmd_engine;
	else if (!strcmp(argv[i], "queue"))
		cmd = cmd_queue;
	else
		usage_error("unknown object '%s'", argv[i]);

	nl_open();
	finish(cmd(argc - i - 1, argv + i + 1));
}
