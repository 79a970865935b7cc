/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * accelq - queues and jobs.
 *
 * Copyright (C) 2026 The accelq authors
 */
#ifndef __ACCELQ_QUEUE_H__
#define __ACCELQ_QUEUE_H__

#include <linux/kref.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/types.h>

#include <uapi/linux/accelq.h>

struct accelq_client;
struct accelq_device;
struct accelq_engine;
struct accelq_sched_entity;
struct accelq_tenant;
struct accelq_queue_create;
struct accelq_submit;
struct accelq_wait;

/**
 * struct accelq_kjob - one accepted job (kernel side of &struct accelq_job)
 * @node: in &accelq_queue.pending until completed (protected by the
 *	engine lock), then in &accelq_client.done (protected by its done_lock).
 * @user_data: caller's cookie.
 * @seqno: sequence number in its queue.
 * @cost_ns: engine time asked for.
 * @remaining_ns: engine time still needed; the engine driver reads it in
 *	&accelq_engine_ops.run.
 * @flags: %ACCELQ_JOB_* flags.
 * @queue_id: id of its queue (copied: the queue may be gone when the record
 *	is read).
 * @engine_id: engine of its queue.
 * @tenant_id: tenant charged for it.
 * @status: final status, valid once completed.
 * @cflags: %ACCELQ_COMPLETION_* flags.
 * @started: has run at least once.
 * @submit_time: when accepted.
 * @wait_ns: acceptance to first start.
 * @run_ns: engine time consumed.
 */
struct accelq_kjob {
	struct list_head node;
	u64 user_data;
	u64 seqno;
	u64 cost_ns;
	u64 remaining_ns;
	u32 flags;
	u32 queue_id;
	u32 engine_id;
	u32 tenant_id;
	s32 status;
	u32 cflags;
	bool started;
	ktime_t submit_time;
	u64 wait_ns;
	u64 run_ns;
};

/**
 * struct accelq_queue - an ordered stream of jobs bound to one engine
 * @ref: held by &accelq_device.queues while the queue lives and by each
 *	lookup in progress.
 * @id: global id, never 0.
 * @class: %ACCELQ_CLASS_*.
 * @depth: most jobs queued or running at once.
 * @client: owning client; the queue holds a reference on it.
 * @engine: engine the queue is bound to.
 * @se: entity of the client's tenant on @engine.
 * @client_node: in &accelq_client.queues. Protected by the client's lock.
 * @tenant_node: in &accelq_tenant.queues. Protected by its queues_lock.
 * @pending: accepted, uncompleted jobs in seqno order; the first may be
 *	running. Protected by the engine lock.
 * @nr_jobs: length of @pending. Protected by the engine lock.
 * @last_seqno: last seqno handed out. Written under the engine lock, read
 *	locklessly by WAIT.
 * @done_seqno: last seqno completed; written under the engine lock, read
 *	locklessly by waiters.
 * @run_node: in @se's runnable list of @class while @pending has a job that
 *	is not running. Protected by the engine lock.
 * @runnable: @run_node is linked. Protected by the engine lock.
 * @dead: destroyed; takes no more jobs. Protected by the engine lock.
 */
struct accelq_queue {
	struct kref ref;
	u32 id;
	u32 class;
	u32 depth;
	struct accelq_client *client;
	struct accelq_engine *engine;
	struct accelq_sched_entity *se;
	struct list_head client_node;
	struct list_head tenant_node;

	struct list_head pending;
	u32 nr_jobs;
	u64 last_seqno;
	u64 done_seqno;
	struct list_head run_node;
	bool runnable;
	bool dead;
};

int accelq_queue_cache_init(void);
void accelq_queue_cache_fini(void);

struct accelq_queue *accelq_queue_lookup(struct accelq_client *client, u32 id);
void accelq_queue_put(struct accelq_queue **pq);

int accelq_queue_create(struct accelq_client *client,
			struct accelq_queue_create *args);
int accelq_queue_destroy(struct accelq_client *client, u32 id);
void accelq_queue_kill(struct accelq_queue *queue);
void accelq_queues_kill_tenant(struct accelq_device *adev,
			       struct accelq_tenant *tenant);
int accelq_queue_submit(struct accelq_client *client,
			struct accelq_submit *args);
int accelq_queue_wait(struct accelq_client *client, struct accelq_wait *args);

void accelq_job_complete_locked(struct accelq_engine *engine,
				struct accelq_queue *queue,
				struct accelq_kjob *job, int status);
void accelq_job_free(struct accelq_kjob *job);
void accelq_jobs_free_bulk(struct accelq_kjob **jobs, size_t n);

#endif /* __ACCELQ_QUEUE_H__ */
