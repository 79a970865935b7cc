/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * accelq - multi-tenant accelerator queue scheduler: character device ABI.
 *
 * Copyright (C) 2026 The accelq authors
 */
#ifndef _UAPI_LINUX_ACCELQ_H
#define _UAPI_LINUX_ACCELQ_H

#include <linux/types.h>
#include <linux/ioctl.h>

/**
 * DOC: accelq character device ABI
 *
 * Every open file of ``/dev/accelq`` is a *client*. A client creates queues
 * bound to an engine, submits batches of jobs to them and reaps one
 * completion record per accepted job with poll() + read().
 *
 * Rules common to every ioctl:
 *
 * - The argument structure size is encoded in the ioctl number. The kernel
 *   copies ``min(user size, kernel size)`` bytes in, zero-fills the rest, and
 *   refuses a larger user structure whose unknown tail is not zero with
 *   ``-E2BIG``. Output is copied back truncated to the user's size. Old
 *   binaries therefore keep working when structures grow at the end.
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
#define ACCELQ_CAP_PREEMPT		(1ULL << 0) /* timeslice preemption */
#define ACCELQ_CAP_TENANTS		(1ULL << 1) /* tenants and netlink */
#define ACCELQ_CAP_WAIT			(1ULL << 2) /* ACCELQ_IOCTL_WAIT */
#define ACCELQ_CAP_SIM_ENGINES		(1ULL << 3) /* engines are simulated */

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
#define ACCELQ_JOB_PREEMPTIBLE		(1u << 0)
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
 *	at least one job was accepted, and fails with the capacity errno
 *	(-EAGAIN queue full, -ENOBUFS client completion backlog full) when none
 *	was.
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
#define ACCELQ_COMPLETION_PREEMPTED	(1u << 0) /* was preempted at least once */

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
