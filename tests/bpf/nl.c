// SPDX-License-Identifier: GPL-2.0-only
/*
 * Minimal "accelq" generic netlink client for the BPF tests (libnl-genl).
 *
 * Copyright (C) 2026 The accelq authors
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <linux/accelq.h>

#include "nl.h"

struct aqnl {
	struct nl_sock *sk;
	int family;
};

struct reply {
	uint32_t id;
	bool have_id;
	bool done;
	int err;		/* -errno from the kernel's error message */
	uint32_t flags;
	struct aqnl_stats *st;
};

static int nlerr(int err)
{
	/* libnl error codes are not errnos; map the common ones */
	switch (-err) {
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_BUSY:
		return -EBUSY;
	default:
		return err ? -EIO : 0;
	}
}

int aqnl_open(struct aqnl **out)
{
	struct aqnl *nl = calloc(1, sizeof(*nl));
	int err;

	*out = NULL;
	if (!nl)
		return -ENOMEM;
	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		free(nl);
		return -ENOMEM;
	}
	err = genl_connect(nl->sk);
	if (!err) {
		nl->family = genl_ctrl_resolve(nl->sk, ACCELQ_GENL_NAME);
		err = nl->family < 0 ? -ENOENT : 0;
	} else {
		err = nlerr(err);
	}
	if (err) {
		aqnl_close(nl);
		return err;
	}
	*out = nl;
	return 0;
}

void aqnl_close(struct aqnl *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sk);
	free(nl);
}

static void parse_stats(struct nlattr *nest, struct aqnl_stats *st)
{
	struct nlattr *a, *e;
	int rem, rem2;

	memset(st, 0, sizeof(*st));
	nla_for_each_nested(a, nest, rem) {
		switch (nla_type(a)) {
		case ACCELQ_A_STATS_BUSY_NS:
			st->busy_ns = nla_get_u64(a);
			break;
		case ACCELQ_A_STATS_ENGINE_BUSY:
			nla_for_each_nested(e, a, rem2) {
				int eng = nla_type(e) - 1;

				if (eng >= 0 && eng < AQNL_MAX_ENGINES)
					st->engine_busy_ns[eng] = nla_get_u64(e);
			}
			break;
		case ACCELQ_A_STATS_JOBS_ACCEPTED:
			st->jobs_accepted = nla_get_u64(a);
			break;
		case ACCELQ_A_STATS_JOBS_OK:
			st->jobs_ok = nla_get_u64(a);
			break;
		case ACCELQ_A_STATS_JOBS_CANCELED:
			st->jobs_canceled = nla_get_u64(a);
			break;
		case ACCELQ_A_STATS_JOBS_TIMEDOUT:
			st->jobs_timedout = nla_get_u64(a);
			break;
		case ACCELQ_A_STATS_JOBS_IO:
			st->jobs_io = nla_get_u64(a);
			break;
		case ACCELQ_A_STATS_WAIT_NS:
			st->wait_ns = nla_get_u64(a);
			break;
		case ACCELQ_A_STATS_PREEMPTIONS:
			st->preemptions = nla_get_u64(a);
			break;
		case ACCELQ_A_STATS_NR_THROTTLED:
			st->nr_throttled = nla_get_u64(a);
			break;
		case ACCELQ_A_STATS_THROTTLED_NS:
			st->throttled_ns = nla_get_u64(a);
			break;
		}
	}
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct reply *r = arg;
	struct nlattr *a;
	int rem;

	nla_for_each_attr(a, genlmsg_attrdata(gh, 0), genlmsg_attrlen(gh, 0), rem) {
		if (nla_type(a) == ACCELQ_A_TENANT_ID) {
			r->id = nla_get_u32(a);
			r->have_id = true;
		} else if (nla_type(a) == ACCELQ_A_TENANT_STATS && r->st) {
			parse_stats(a, r->st);
		} else if (nla_type(a) == ACCELQ_A_TENANT_FLAGS) {
			r->flags = nla_get_u32(a);
		}
	}
	return NL_OK;
}

static struct nl_msg *new_msg(struct aqnl *nl, uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
				NLM_F_REQUEST | NLM_F_ACK, cmd,
				ACCELQ_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	((struct reply *)arg)->done = true;
	return NL_STOP;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct reply *r = arg;

	r->err = e->error;
	r->done = true;
	return NL_STOP;
}

/* Send @msg (consumed), process replies until the ACK or an error. */
static int request_sock_cb(struct aqnl *nl, struct nl_msg *msg, struct reply *r)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int err;

	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, r);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_ack, r);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, r);
	err = nl_send_auto(nl->sk, msg);
	nlmsg_free(msg);
	while (err >= 0 && !r->done)
		err = nl_recvmsgs(nl->sk, cb);
	nl_cb_put(cb);
	if (err < 0)
		return nlerr(err);
	return r->err;
}

int aqnl_tenant_new_uid(struct aqnl *nl, const char *name, uint32_t uid,
			uint64_t quota_ns, uint64_t period_ns, uint32_t *id)
{
	struct nl_msg *msg = new_msg(nl, ACCELQ_CMD_TENANT_NEW);
	struct reply r = { 0 };
	int err;

	if (!msg)
		return -ENOMEM;
	if (nla_put_string(msg, ACCELQ_A_TENANT_NAME, name) ||
	    nla_put_u32(msg, ACCELQ_A_TENANT_MATCH_UID, uid) ||
	    (quota_ns && (nla_put_u64(msg, ACCELQ_A_TENANT_CAP_QUOTA_NS, quota_ns) ||
			  nla_put_u64(msg, ACCELQ_A_TENANT_CAP_PERIOD_NS, period_ns)))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	err = request_sock_cb(nl, msg, &r);
	if (err)
		return err;
	if (!r.have_id) {
		/* no reply message: look the tenant up by name */
		msg = new_msg(nl, ACCELQ_CMD_TENANT_GET);
		if (!msg)
			return -ENOMEM;
		nla_put_string(msg, ACCELQ_A_TENANT_NAME, name);
		r.done = false;
		err = request_sock_cb(nl, msg, &r);
		if (err)
			return err;
	}
	if (!r.have_id)
		return -EPROTO;
	*id = r.id;
	return 0;
}

int aqnl_tenant_get(struct aqnl *nl, uint32_t id, struct aqnl_stats *st)
{
	struct nl_msg *msg = new_msg(nl, ACCELQ_CMD_TENANT_GET);
	struct reply r = { .st = st };
	int err;

	if (!msg)
		return -ENOMEM;
	nla_put_u32(msg, ACCELQ_A_TENANT_ID, id);
	err = request_sock_cb(nl, msg, &r);
	if (!err && !r.have_id)
		err = -EPROTO;
	st->flags = r.flags;
	return err;
}

int aqnl_tenant_del(struct aqnl *nl, uint32_t id)
{
	struct nl_msg *msg = new_msg(nl, ACCELQ_CMD_TENANT_DEL);

	if (!msg)
		return -ENOMEM;
	nla_put_u32(msg, ACCELQ_A_TENANT_ID, id);
	return request_sock_cb(nl, msg, &(struct reply){ 0 });
}
