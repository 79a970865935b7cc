/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * accelq - multi-tenant accelerator queue scheduler: character device ABI.
 *
 * Copyright (C) 2026 The accelq authors
 */
#ifndef _UAPI_LINUX_ACCELQ_H
#define _UAPI_LINUX_ACCELQ_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

/**
 * DOC: accelq character device ABI
 *
 * Every open file of ``/dev/accelq`` is a *client*. A client creates queues
 * bound to an engine, submits batches of jobs to them and reaps one
 * completion record per accepted job with poll() + read().
 *
 * Rules common to every ioctl:
 *
 * - The argument structure size is encoded in the ioctl number. It must be
 *   at least the size of version 1 of the structure (``ACCELQ_*_SIZE_VER1``),
 *   else ``-EINVAL``: every version-1 field, outputs included, is always
 *   there. The kernel copies ``min(user size, kernel size)`` bytes in,
 *   zero-fills the rest, and refuses a larger user structure whose unknown
 *   tail is not zero with ``-E2BIG``. Output is copied back truncated to the
 *   user's size. Old binaries therefore keep working when structures grow at
 *   the end.
 * - ``-EFAULT`` means nothing was done, except for SUBMIT, whose jobs may
 *   have been accepted when writing @accepted back fails (the argument was
 *   made unwritable during the call): their records still arrive.
 * - ``flags`` and ``pad`` fields must be zero, else ``-EINVAL``.
 * - An unknown ioctl number gives ``-ENOTTY``.
 * - Ioctl numbers and constant values are never renumbered.
 */

#define ACCELQ_ABI_VERSION		1

/* Engine selector for &struct accelq_queue_create.engine. */
#define ACCELQ_ENGINE_ANY		0xffffffffu

/* Scheduling classes (&struct accelq_queue_create.class). */
#define ACCELQ_CLASS_BATCH		0
#define ACCELQ_CLASS_LATENCY		1

/* Capability bits reported in &struct accelq_info.caps. */
#define ACCELQ_CAP_PREEMPT		_BITULL(0) /* timeslice preemption */
#define ACCELQ_CAP_TENANTS		_BITULL(1) /* tenants and netlink */
#define ACCELQ_CAP_WAIT			_BITULL(2) /* ACCELQ_IOCTL_WAIT */
#define ACCELQ_CAP_SIM_ENGINES		_BITULL(3) /* engines are simulated */

/**
 * struct accelq_info - device, limits and client identity
 * @flags: must be zero.
 * @abi_version: Returned: %ACCELQ_ABI_VERSION of the running module.
 * @caps: Returned: %ACCELQ_CAP_* bits.
 * @nr_engines: Returned: number of engines; engine ids are 0..nr_engines-1.
 * @max_queues: Returned: queues one client may hold at once.
 * @max_depth: Returned: largest queue depth accepted by QUEUE_CREATE.
 * @max_batch: Returned: most jobs accepted by one SUBMIT.
 * @max_client_jobs: Returned: jobs a client may have accepted but not yet
 *	read (in flight plus unread completions); back-pressure limit.
 * @completion_size: Returned: size of one &struct accelq_completion record.
 * @max_cost_ns: Returned: largest &struct accelq_job.cost_ns accepted.
 * @job_timeout_ns: Returned: a job running longer than this without
 *	yielding is declared hung (completes with -ETIMEDOUT).
 * @timeslice_ns: Returned: timeslice of preemptible jobs.
 * @client_id: Returned: id of this client (also in fdinfo).
 * @tenant_id: Returned: tenant this client was attributed to at open.
 * @pad: must be zero.
 */
struct accelq_info {
	__u32 flags;
	__u32 abi_version;
	__u64 caps;
	__u32 nr_engines;
	__u32 max_queues;
	__u32 max_depth;
	__u32 max_batch;
	__u32 max_client_jobs;
	__u32 completion_size;
	__u64 max_cost_ns;
	__u64 job_timeout_ns;
	__u64 timeslice_ns;
	__u64 client_id;
	__u32 tenant_id;
	__u32 pad;
};

/**
 * struct accelq_queue_create - create a queue
 * @flags: must be zero.
 * @engine: engine id, or %ACCELQ_ENGINE_ANY to let the kernel bind the queue
 *	to the engine with the fewest queues. A queue stays on its engine.
 * @class: %ACCELQ_CLASS_BATCH or %ACCELQ_CLASS_LATENCY.
 * @depth: most jobs queued or running on this queue, 1..max_depth.
 * @queue_id: Returned: id of the new queue (never 0).
 *
 * Errors besides -EINVAL: -EMFILE (max_queues of this file), -EACCES (class
 * not allowed to the tenant), -ERANGE (depth above the tenant's limit),
 * -EDQUOT (tenant's queue limit), -ENOLINK (tenant deleted).
 * @engine_out: Returned: engine the queue is bound to.
 */
struct accelq_queue_create {
	__u32 flags;
	__u32 engine;
	__u32 class;
	__u32 depth;
	__u32 queue_id;
	__u32 engine_out;
};

/**
 * struct accelq_queue_destroy - destroy a queue
 * @queue_id: queue to destroy. Its queued and running jobs complete with
 *	-ECANCELED before the ioctl returns; their records stay readable.
 * @flags: must be zero.
 */
struct accelq_queue_destroy {
	__u32 queue_id;
	__u32 flags;
};

/* Job flags (&struct accelq_job.flags). */
#define ACCELQ_JOB_PREEMPTIBLE		_BITUL(0)
#define ACCELQ_JOB_FLAGS_MASK		(ACCELQ_JOB_PREEMPTIBLE)

/**
 * struct accelq_job - one job of a batch
 * @cost_ns: engine time the job needs, 0..max_cost_ns.
 * @user_data: opaque cookie echoed in the completion record.
 * @flags: %ACCELQ_JOB_* bits; unknown bits give -EINVAL.
 * @pad: must be zero.
 */
struct accelq_job {
	__u64 cost_ns;
	__u64 user_data;
	__u32 flags;
	__u32 pad;
};

/**
 * struct accelq_submit - submit a batch of jobs to one queue
 * @queue_id: target queue.
 * @flags: must be zero.
 * @count: number of jobs at @jobs_ptr, 1..max_batch.
 * @job_size: sizeof(struct accelq_job) as the caller knows it; at least the
 *	size of ABI version 1 (24), at most 4096, a multiple of 8.
 * @jobs_ptr: user pointer to @count job structures, @job_size bytes apart.
 * @accepted: Returned: number of jobs accepted, always in order from the
 *	first. The whole batch is validated before any job is accepted: an
 *	invalid job rejects the whole batch with -EINVAL. Capacity may then
 *	accept a prefix only: the ioctl returns 0 with @accepted < @count when
 *	at least one job was accepted, and fails when none was with -EAGAIN
 *	(queue full), -EDQUOT (tenant in-flight limit), -ENOBUFS (unread
 *	completion backlog full: this file's, or its user's over all the
 *	user's files), -EPERM (tenant banned after hangs) or
 *	-ENOLINK (tenant deleted). When the ioctl fails nothing was accepted
 *	and the structure is left as passed.
 * @pad: must be zero.
 * @first_seqno: Returned: sequence number of the first accepted job; the
 *	others follow consecutively. Sequence numbers are per queue, start at 1
 *	and complete in order.
 */
struct accelq_submit {
	__u32 queue_id;
	__u32 flags;
	__u32 count;
	__u32 job_size;
	__u64 jobs_ptr;
	__u32 accepted;
	__u32 pad;
	__u64 first_seqno;
};

/**
 * struct accelq_wait - wait for a job of a queue to complete
 * @queue_id: queue of the job.
 * @flags: must be zero.
 * @seqno: sequence number to wait for; must have been issued (-EINVAL if
 *	beyond the last one).
 * @timeout_ns: relative timeout; 0 polls, negative waits forever.
 *	Returns 0 once the job completed, -ETIMEDOUT on timeout, -ERESTARTSYS
 *	(seen as -EINTR) on a signal. The job's status comes from its record.
 */
struct accelq_wait {
	__u32 queue_id;
	__u32 flags;
	__u64 seqno;
	__s64 timeout_ns;
};

/* Completion flags (&struct accelq_completion.flags). */
#define ACCELQ_COMPLETION_PREEMPTED	_BITUL(0) /* was preempted at least once */

/**
 * struct accelq_completion - record read() from the device, one per job
 * @user_data: the job's cookie.
 * @seqno: the job's sequence number in its queue.
 * @queue_id: the job's queue.
 * @engine: engine that ran it (or the queue's engine if it never ran).
 * @status: 0 done; -ECANCELED queue destroyed or file closed; -ETIMEDOUT
 *	job hung and its engine was reset; -EIO the engine was reset by an
 *	administrator while the job was on it.
 * @flags: %ACCELQ_COMPLETION_* bits.
 * @wait_ns: time from acceptance to first start (or to completion if the
 *	job never started).
 * @run_ns: engine time the job consumed.
 *
 * read() returns whole records only: a buffer smaller than one record gives
 * -EINVAL; a non-blocking read with nothing to report gives -EAGAIN.
 */
struct accelq_completion {
	__u64 user_data;
	__u64 seqno;
	__u32 queue_id;
	__u32 engine;
	__s32 status;
	__u32 flags;
	__u64 wait_ns;
	__u64 run_ns;
};

/**
 * DOC: generic netlink family "accelq"
 *
 * The control plane: tenants, engines and queues. Family name
 * %ACCELQ_GENL_NAME, version %ACCELQ_GENL_VERSION, no multicast group (on
 * 6.1 a group cannot be restricted to administrators, and tenant data is
 * private). Every command except %ACCELQ_CMD_ENGINE_GET requires
 * CAP_NET_ADMIN. Attributes are strictly validated; errors carry an extack
 * message naming the offending attribute. Dumps are resumable and flag
 * NLM_F_DUMP_INTR when tenants or queues were created or destroyed
 * meanwhile. See docs/netlink.md.
 */
#define ACCELQ_GENL_NAME		"accelq"
#define ACCELQ_GENL_VERSION		1

/* Limits of tenant attributes. */
#define ACCELQ_TENANT_NAME_LEN		64	/* including the NUL */
#define ACCELQ_TENANT_WEIGHT_MIN	1
#define ACCELQ_TENANT_WEIGHT_DEFAULT	100
#define ACCELQ_TENANT_WEIGHT_MAX	10000
#define ACCELQ_CAP_PERIOD_MIN_NS	1000000ULL	/* 1 ms */
#define ACCELQ_CAP_PERIOD_MAX_NS	1000000000ULL	/* 1 s */
#define ACCELQ_CAP_PERIOD_DEFAULT_NS	100000000ULL	/* 100 ms */
#define ACCELQ_CAP_QUOTA_MIN_NS		100000ULL	/* 100 us */
#define ACCELQ_TENANT_LIMIT_MAX		16777216u

/* ACCELQ_A_TENANT_CLASSES bits. */
#define ACCELQ_CLASS_MASK_BATCH		_BITUL(ACCELQ_CLASS_BATCH)
#define ACCELQ_CLASS_MASK_LATENCY	_BITUL(ACCELQ_CLASS_LATENCY)
#define ACCELQ_CLASS_MASK_ALL		(ACCELQ_CLASS_MASK_BATCH | \
					 ACCELQ_CLASS_MASK_LATENCY)

/* ACCELQ_A_TENANT_DEL_FLAGS bits. */
#define ACCELQ_TENANT_DEL_FORCE		_BITUL(0)

/* ACCELQ_A_TENANT_FLAGS bits (returned). */
#define ACCELQ_TENANT_F_BANNED		_BITUL(0)
#define ACCELQ_TENANT_F_THROTTLED	_BITUL(1)
#define ACCELQ_TENANT_F_DEFAULT		_BITUL(2)

enum accelq_cmd {
	ACCELQ_CMD_UNSPEC,
	ACCELQ_CMD_TENANT_NEW,		/* NAME, match, settings -> tenant */
	ACCELQ_CMD_TENANT_SET,		/* ID or NAME, settings -> tenant */
	ACCELQ_CMD_TENANT_DEL,		/* ID or NAME, DEL_FLAGS */
	ACCELQ_CMD_TENANT_GET,		/* ID or NAME, or dump -> tenant(s) */
	ACCELQ_CMD_TENANT_CLEAR_BAN,	/* ID or NAME */
	ACCELQ_CMD_ENGINE_GET,		/* ENGINE_ID, or dump -> engine(s) */
	ACCELQ_CMD_ENGINE_RESET,	/* ENGINE_ID */
	ACCELQ_CMD_QUEUE_GET,		/* dump, optional TENANT_ID filter */

	__ACCELQ_CMD_MAX,
	ACCELQ_CMD_MAX = __ACCELQ_CMD_MAX - 1
};

enum accelq_attr {
	ACCELQ_A_UNSPEC,
	ACCELQ_A_TENANT_ID,		/* u32 */
	ACCELQ_A_TENANT_NAME,		/* string, [A-Za-z0-9_.-], 1..63 */
	ACCELQ_A_TENANT_MATCH_CGROUP,	/* string: cgroup v2 path, e.g. /a/b */
	ACCELQ_A_TENANT_MATCH_UID,	/* u32, in the initial user namespace */
	ACCELQ_A_TENANT_CGROUP_ID,	/* u64, returned */
	ACCELQ_A_TENANT_WEIGHT,		/* u32, 1..10000 */
	ACCELQ_A_TENANT_CAP_QUOTA_NS,	/* u64, 0 = no cap */
	ACCELQ_A_TENANT_CAP_PERIOD_NS,	/* u64, 1 ms..1 s */
	ACCELQ_A_TENANT_CAP_BURST_NS,	/* u64, <= quota */
	ACCELQ_A_TENANT_CLASSES,	/* u32, ACCELQ_CLASS_MASK_* */
	ACCELQ_A_TENANT_MAX_QUEUES,	/* u32, 0 = unlimited */
	ACCELQ_A_TENANT_MAX_INFLIGHT,	/* u32, 0 = unlimited */
	ACCELQ_A_TENANT_MAX_DEPTH,	/* u32, 0 = unlimited */
	ACCELQ_A_TENANT_GUILTY_LIMIT,	/* u32, hangs before a ban, 0 = never */
	ACCELQ_A_TENANT_DEL_FLAGS,	/* u32, ACCELQ_TENANT_DEL_* */
	ACCELQ_A_TENANT_FLAGS,		/* u32, ACCELQ_TENANT_F_*, returned */
	ACCELQ_A_TENANT_STATS,		/* nest of ACCELQ_A_STATS_*, returned */
	ACCELQ_A_TENANT_NR_QUEUES,	/* u32, returned */
	ACCELQ_A_TENANT_NR_CLIENTS,	/* u32, returned */
	ACCELQ_A_TENANT_NR_INFLIGHT,	/* u32, returned */
	ACCELQ_A_ENGINE_ID,		/* u32 */
	ACCELQ_A_ENGINE_NAME,		/* string, returned */
	ACCELQ_A_ENGINE_BUSY_NS,	/* u64, returned */
	ACCELQ_A_ENGINE_NR_QUEUES,	/* u32, returned */
	ACCELQ_A_ENGINE_RESETS,		/* u64, returned */
	ACCELQ_A_ENGINE_PREEMPTIONS,	/* u64, returned */
	ACCELQ_A_QUEUE_ID,		/* u32, returned */
	ACCELQ_A_QUEUE_CLASS,		/* u32, returned */
	ACCELQ_A_QUEUE_DEPTH,		/* u32, returned */
	ACCELQ_A_QUEUE_NR_JOBS,		/* u32, queued + running, returned */
	ACCELQ_A_QUEUE_LAST_SEQNO,	/* u64, returned */
	ACCELQ_A_QUEUE_DONE_SEQNO,	/* u64, returned */
	ACCELQ_A_CLIENT_ID,		/* u64, returned */
	ACCELQ_A_CLIENT_PID,		/* u32, returned (opener's tgid) */
	ACCELQ_A_PAD,

	__ACCELQ_A_MAX,
	ACCELQ_A_MAX = __ACCELQ_A_MAX - 1
};

/* Nested in ACCELQ_A_TENANT_STATS; all u64 and monotonic unless noted. */
enum accelq_stats_attr {
	ACCELQ_A_STATS_UNSPEC,
	ACCELQ_A_STATS_BUSY_NS,		/* total engine time */
	ACCELQ_A_STATS_ENGINE_BUSY,	/* nest: one u64 busy ns per engine,
					 * attribute type = engine id + 1;
					 * alignment padding, where an
					 * architecture needs it, has type 0
					 */
	ACCELQ_A_STATS_JOBS_ACCEPTED,
	ACCELQ_A_STATS_JOBS_OK,
	ACCELQ_A_STATS_JOBS_CANCELED,
	ACCELQ_A_STATS_JOBS_TIMEDOUT,
	ACCELQ_A_STATS_JOBS_IO,
	ACCELQ_A_STATS_WAIT_NS,		/* sum of job wait times */
	ACCELQ_A_STATS_PREEMPTIONS,
	ACCELQ_A_STATS_NR_PERIODS,	/* as cpu.stat */
	ACCELQ_A_STATS_NR_THROTTLED,	/* as cpu.stat */
	ACCELQ_A_STATS_THROTTLED_NS,	/* as cpu.stat throttled_usec, in ns */
	ACCELQ_A_STATS_GUILTY,		/* u32: hangs since the last ban
					 * clearing (reset by CLEAR_BAN)
					 */
	ACCELQ_A_STATS_PAD,

	__ACCELQ_A_STATS_MAX,
	ACCELQ_A_STATS_MAX = __ACCELQ_A_STATS_MAX - 1
};

/* Sizes of version 1 of the ioctl structures: the smallest accepted. */
#define ACCELQ_INFO_SIZE_VER1		80
#define ACCELQ_QUEUE_CREATE_SIZE_VER1	24
#define ACCELQ_QUEUE_DESTROY_SIZE_VER1	8
#define ACCELQ_SUBMIT_SIZE_VER1		40
#define ACCELQ_WAIT_SIZE_VER1		24

#define ACCELQ_IOCTL_BASE	0xAC

#define ACCELQ_IOCTL_GET_INFO \
	_IOWR(ACCELQ_IOCTL_BASE, 0x00, struct accelq_info)
#define ACCELQ_IOCTL_QUEUE_CREATE \
	_IOWR(ACCELQ_IOCTL_BASE, 0x01, struct accelq_queue_create)
#define ACCELQ_IOCTL_QUEUE_DESTROY \
	_IOW(ACCELQ_IOCTL_BASE, 0x02, struct accelq_queue_destroy)
#define ACCELQ_IOCTL_SUBMIT \
	_IOWR(ACCELQ_IOCTL_BASE, 0x03, struct accelq_submit)
#define ACCELQ_IOCTL_WAIT \
	_IOW(ACCELQ_IOCTL_BASE, 0x04, struct accelq_wait)

#endif /* _UAPI_LINUX_ACCELQ_H */
