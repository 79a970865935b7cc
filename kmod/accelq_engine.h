/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * accelq - engines and the interface an engine driver implements.
 *
 * Copyright (C) 2026 The accelq authors
 */
#ifndef __ACCELQ_ENGINE_H__
#define __ACCELQ_ENGINE_H__

#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/rbtree.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct accelq_device;
struct accelq_engine;
struct accelq_kjob;
struct accelq_queue;
struct seq_file;

/**
 * struct accelq_engine_ops - what an engine driver provides
 *
 * The core serialises every call on one engine with &accelq_engine.lock,
 * except @fini. Calls made under the lock run in atomic context and must not
 * sleep: a hardware driver rings a doorbell or writes a register and returns;
 * anything slower goes to a work item of its own.
 *
 * @run: start (or resume) @job on the engine. The job needs
 *	&accelq_job.remaining_ns of engine time; the core never calls @run with
 *	zero remaining. When the job finishes the driver calls
 *	accelq_engine_job_done() with @token, from any context. Return 0, or a
 *	negative errno if the engine could not take the job (the core then
 *	completes it with -EIO). Called with the lock held.
 * @preempt: stop the running job at a resumable point and return the engine
 *	time it still needs. After @preempt returns, a done signal carrying the
 *	old token is ignored by the core. Called with the lock held.
 * @reset: abort whatever runs and leave the engine idle and usable. Called
 *	with the lock held, after a hang or an administrator's request.
 * @show: optional; print driver state into the debugfs engine dump. Called
 *	with the lock held.
 * @fini: release the driver's resources. The engine is idle and no further
 *	call follows. Called without the lock, may sleep.
 */
struct accelq_engine_ops {
	int (*run)(struct accelq_engine *engine, struct accelq_kjob *job,
		   u64 token);
	u64 (*preempt)(struct accelq_engine *engine);
	void (*reset)(struct accelq_engine *engine);
	void (*show)(struct accelq_engine *engine, struct seq_file *m);
	void (*fini)(struct accelq_engine *engine);
};

/* Why a running job left its engine. */
enum accelq_stop_reason {
	ACCELQ_STOP_DONE,	/* finished its work */
	ACCELQ_STOP_PREEMPT,	/* timeslice expired, someone else waits */
	ACCELQ_STOP_CANCEL,	/* its queue was destroyed */
	ACCELQ_STOP_HANG,	/* watchdog fired, engine reset */
	ACCELQ_STOP_RESET,	/* administrator reset the engine */
};

/**
 * struct accelq_engine - one engine and its run queue
 * @adev: owning device.
 * @id: engine index, 0-based.
 * @name: engine name as shown in fdinfo and debugfs ("sim0", ...).
 * @ops: driver operations.
 * @priv: driver data.
 * @lock: protects every member below, the scheduling state of the queues
 *	bound to this engine (&accelq_queue.pending and friends) and the
 *	per-engine entities of tenants (&accelq_sched_entity). Taken in process
 *	and softirq (hrtimer) context, so always with bottom halves disabled
 *	outside softirq. Nests outside &accelq_tenant.lock and
 *	&accelq_client.done_lock.
 * @running: job on the engine, or NULL. Protected by @lock.
 * @running_q: queue of @running. Protected by @lock.
 * @running_se: entity charged for @running. Protected by @lock.
 * @token: token of the current run, to drop stale done signals. Protected by
 *	@lock.
 * @stint_start: when @running last started or resumed (or its timeslice was
 *	renewed). Protected by @lock.
 * @stop_time: when the last job left the engine. Protected by @lock.
 * @stop_pending: the next start in this critical section begins at
 *	@stop_time. Protected by @lock.
 * @wakeup_preempt: a latency job that should run before @running woke up;
 *	@running is preempted once it ran the wakeup granularity. Protected by
 *	@lock.
 * @watchdog: hang detector for @running (job timeout).
 * @slice: timeslice timer for a preemptible @running.
 * @kick_work: continues a kick that spent its budget of zero-cost
 *	completions.
 * @runnable: entities with runnable queues, by virtual time. Protected by
 *	@lock.
 * @min_vtime: monotonic floor of virtual time on this engine. Protected by
 *	@lock.
 * @nr_queues: queues bound here, to place %ACCELQ_ENGINE_ANY queues.
 * @busy_ns: engine time consumed by jobs. Protected by @lock.
 * @nr_resets: resets after hangs or on request. Protected by @lock.
 * @nr_preemptions: preemptions. Protected by @lock.
 */
struct accelq_engine {
	struct accelq_device *adev;
	u32 id;
	char name[16];
	const struct accelq_engine_ops *ops;
	void *priv;

	spinlock_t lock; /* Protects the run state; see kernel-doc. */
	struct accelq_kjob *running;
	struct accelq_queue *running_q;
	struct accelq_sched_entity *running_se;
	u64 token;
	ktime_t stint_start;
	ktime_t stop_time;
	bool stop_pending;
	bool wakeup_preempt;
	struct hrtimer watchdog;
	struct hrtimer slice;
	struct work_struct kick_work;
	struct rb_root_cached runnable;
	u64 min_vtime;
	atomic_t nr_queues;
	u64 busy_ns;
	u64 nr_resets;
	u64 nr_preemptions;
};

int accelq_engines_init(struct accelq_device *adev, unsigned int nr_sim);
void accelq_engines_fini(struct accelq_device *adev);

void accelq_engine_job_done(struct accelq_engine *engine, u64 token);
void accelq_engine_job_done_locked(struct accelq_engine *engine, u64 token);
void accelq_engine_kick_locked(struct accelq_engine *engine);
void accelq_engine_stop_locked(struct accelq_engine *engine,
			       enum accelq_stop_reason reason);
void accelq_engine_reset(struct accelq_engine *engine);
void accelq_engine_check_preempt_locked(struct accelq_engine *engine,
					struct accelq_queue *waking);
struct accelq_engine *accelq_engine_pick_any(struct accelq_device *adev);

#endif /* __ACCELQ_ENGINE_H__ */
