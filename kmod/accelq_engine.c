// SPDX-License-Identifier: GPL-2.0-only
/*
 * accelq - engine run loop: dispatch, completion, preemption, hang recovery.
 *
 * Copyright (C) 2026 The accelq authors
 */

#include <linux/hrtimer.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "accelq_drv.h"
#include "accelq_engine.h"
#include "accelq_file.h"
#include "accelq_queue.h"
#include "accelq_sched.h"
#include "accelq_sim.h"
#include "accelq_tenant.h"
#include "accelq_trace.h"

/**
 * DOC: engine run loop
 *
 * An engine runs one job at a time. accelq_engine_kick_locked() fills an
 * idle engine: it asks the scheduler for the next queue, starts that queue's
 * oldest job through &accelq_engine_ops.run and arms two timers:
 *
 * - the *watchdog*, job_timeout_ms after the start of the current stint: if
 *   it fires the job is hung; the engine is reset and the job completes with
 *   -ETIMEDOUT. Its tenant is charged one guilty mark.
 * - the *slice* timer, timeslice_us after the stint start, for preemptible
 *   jobs only: if the scheduler says someone else waits, the job is
 *   preempted, keeps its remaining work and its place at the head of its
 *   queue; otherwise its stint (and the watchdog) is renewed.
 *
 * Wakeup preemption: when a latency-class job arrives while a preemptible
 * batch job runs, and the latency job's tenant is the running one or has
 * no more virtual time, the slice timer is pulled in to wakeup_granularity_us
 * after the stint start, so the latency job waits at most that long rather
 * than up to a whole timeslice.
 *
 * Zero-cost jobs never occupy the engine: they complete inside the kick.
 * One kick completes at most %ACCELQ_KICK_BUDGET of them and leaves the rest
 * to &accelq_engine.kick_work, so that a tenant queueing millions of them
 * cannot hold the engine lock (and a CPU's softirq) for long.
 *
 * Every way a job leaves the engine goes through accelq_engine_stop_locked(),
 * which charges the stint to the client, the tenant and the scheduler, so
 * busy time adds up exactly whatever happens.
 *
 * A done signal from the driver carries the token of the run it belongs to;
 * a signal that lost a race with a preemption, a cancel or a reset carries
 * an old token and is ignored.
 */

static struct accelq_engine *watchdog_to_engine(struct hrtimer *t)
{
	return container_of(t, struct accelq_engine, watchdog);
}

static struct accelq_engine *slice_to_engine(struct hrtimer *t)
{
	return container_of(t, struct accelq_engine, slice);
}

static void accelq_engine_arm_locked(struct accelq_engine *engine)
{
	lockdep_assert_held(&engine->lock);

	hrtimer_start(&engine->watchdog, ns_to_ktime(accelq_job_timeout_ns()),
		      HRTIMER_MODE_REL_SOFT);
	if (engine->running->flags & ACCELQ_JOB_PREEMPTIBLE)
		hrtimer_start(&engine->slice, ns_to_ktime(accelq_timeslice_ns()),
			      HRTIMER_MODE_REL_SOFT);
}

static void accelq_engine_disarm_locked(struct accelq_engine *engine)
{
	lockdep_assert_held(&engine->lock);

	/*
	 * A callback already running waits for our lock and then finds the
	 * engine state changed; it never needs to be waited for here.
	 */
	hrtimer_try_to_cancel(&engine->watchdog);
	hrtimer_try_to_cancel(&engine->slice);
}

/* Most zero-cost jobs one kick completes before deferring to kick_work. */
#define ACCELQ_KICK_BUDGET	64

/**
 * accelq_engine_kick_locked - start jobs while the engine is idle
 * @engine: the engine
 *
 * Zero-cost jobs complete on the spot; the loop ends when a job occupies the
 * engine, nothing is runnable, or the budget of zero-cost completions is
 * spent (the rest continues from &accelq_engine.kick_work).
 */
void accelq_engine_kick_locked(struct accelq_engine *engine)
{
	unsigned int budget = ACCELQ_KICK_BUDGET;

	lockdep_assert_held(&engine->lock);

	while (!engine->running) {
		struct accelq_queue *queue;
		struct accelq_kjob *job;
		ktime_t now;
		int ret;

		queue = accelq_sched_pick_locked(engine);
		if (!queue) {
			engine->stop_pending = false;
			return;
		}

		job = list_first_entry(&queue->pending, struct accelq_kjob, node);
		/*
		 * A job that follows one that just stopped starts at the very
		 * instant the other stopped, so engine time adds up to wall
		 * time on a saturated engine, whatever the CPU overhead.
		 */
		now = engine->stop_pending ? engine->stop_time : ktime_get();
		engine->stop_pending = false;
		if (!job->started) {
			job->started = true;
			job->wait_ns = ktime_to_ns(ktime_sub(now, job->submit_time));
			atomic64_add(job->wait_ns, &queue->se->tenant->stats.wait_ns);
		}
		trace_accelq_job_start(job->tenant_id, queue->id, engine->id,
				       job->seqno, job->wait_ns,
				       job->remaining_ns);

		engine->running = job;
		engine->running_q = queue;
		engine->running_se = queue->se;
		engine->stint_start = now;
		engine->token++;

		if (!job->remaining_ns) {
			accelq_engine_stop_locked(engine, ACCELQ_STOP_DONE);
			if (!--budget) {
				/* The engine stays idle until the work runs. */
				engine->stop_pending = false;
				queue_work(system_wq, &engine->kick_work);
				return;
			}
			continue;
		}

		ret = engine->ops->run(engine, job, engine->token);
		if (ret) {
			pr_err_ratelimited("accelq: %s refused a job: %d\n",
					   engine->name, ret);
			engine->ops->reset(engine);
			accelq_engine_stop_locked(engine, ACCELQ_STOP_RESET);
			continue;
		}
		accelq_engine_arm_locked(engine);
	}
}

static void accelq_engine_charge_locked(struct accelq_engine *engine,
					struct accelq_kjob *job,
					struct accelq_queue *queue, u64 run_ns)
{
	struct accelq_tenant *tenant = queue->se->tenant;

	lockdep_assert_held(&engine->lock);

	job->run_ns += run_ns;
	engine->busy_ns += run_ns;
	atomic64_add(run_ns, &queue->client->busy_ns[engine->id]);
	atomic64_add(run_ns, &tenant->busy_ns[engine->id]);
}

/**
 * accelq_engine_stop_locked - take the running job off the engine
 * @engine: the engine, with a running job
 * @reason: why
 *
 * For %ACCELQ_STOP_DONE the driver has finished the job. For the other
 * reasons the caller has already stopped the hardware (preempt or reset)
 * except for %ACCELQ_STOP_CANCEL, which preempts here. The job is charged,
 * then completed or (preemption) left at the head of its queue.
 */
void accelq_engine_stop_locked(struct accelq_engine *engine,
			       enum accelq_stop_reason reason)
{
	struct accelq_kjob *job = engine->running;
	struct accelq_queue *queue = engine->running_q;
	struct accelq_sched_entity *se = engine->running_se;
	u64 run_ns, left = 0;

	lockdep_assert_held(&engine->lock);

	if (reason == ACCELQ_STOP_CANCEL && job->remaining_ns)
		engine->ops->preempt(engine);
	if (reason == ACCELQ_STOP_PREEMPT)
		left = engine->ops->preempt(engine);

	if (job->remaining_ns) {
		accelq_engine_disarm_locked(engine);
		engine->stop_time = ktime_get();
		run_ns = ktime_to_ns(ktime_sub(engine->stop_time,
					       engine->stint_start));
		accelq_engine_charge_locked(engine, job, queue, run_ns);
		accelq_sched_charge_locked(engine, se, run_ns);
	} else {
		/* A zero-cost job never reached the engine: nothing to charge. */
		engine->stop_time = engine->stint_start;
		run_ns = 0;
	}
	engine->stop_pending = true;
	engine->wakeup_preempt = false;

	engine->running = NULL;
	engine->running_q = NULL;
	engine->running_se = NULL;
	engine->token++;

	switch (reason) {
	case ACCELQ_STOP_PREEMPT:
		job->remaining_ns = left;
		job->cflags |= ACCELQ_COMPLETION_PREEMPTED;
		engine->nr_preemptions++;
		accelq_stat_add(engine->adev, ACCELQ_STAT_PREEMPTIONS, 1);
		atomic64_inc(&se->tenant->stats.preemptions);
		trace_accelq_job_preempt(job->tenant_id, queue->id, engine->id,
					 job->seqno, run_ns, left);
		/* Still the queue's oldest job: the queue is runnable again. */
		accelq_sched_enqueue_locked(queue);
		accelq_sched_put_prev_locked(engine, se);
		return;
	case ACCELQ_STOP_DONE:
		job->remaining_ns = 0;
		trace_accelq_job_end(job->tenant_id, queue->id, engine->id,
				     job->seqno, 0, job->wait_ns, run_ns,
				     job->run_ns);
		accelq_job_complete_locked(engine, queue, job, 0);
		break;
	case ACCELQ_STOP_CANCEL:
		trace_accelq_job_end(job->tenant_id, queue->id, engine->id,
				     job->seqno, -ECANCELED, job->wait_ns,
				     run_ns, job->run_ns);
		accelq_job_complete_locked(engine, queue, job, -ECANCELED);
		break;
	case ACCELQ_STOP_HANG:
	case ACCELQ_STOP_RESET: {
		int status = reason == ACCELQ_STOP_HANG ? -ETIMEDOUT : -EIO;

		if (reason == ACCELQ_STOP_HANG)
			accelq_tenant_guilty(se->tenant);
		engine->nr_resets++;
		accelq_stat_add(engine->adev, ACCELQ_STAT_ENGINE_RESETS, 1);
		trace_accelq_engine_reset(engine->id, job->tenant_id, queue->id,
					  job->seqno,
					  reason == ACCELQ_STOP_HANG ? 0 : 1);
		trace_accelq_job_end(job->tenant_id, queue->id, engine->id,
				     job->seqno, status, job->wait_ns, run_ns,
				     job->run_ns);
		accelq_job_complete_locked(engine, queue, job, status);
		break;
	}
	}

	/* The queue's next job, if any, may now run. */
	if (!queue->dead && queue->nr_jobs)
		accelq_sched_enqueue_locked(queue);
	accelq_sched_put_prev_locked(engine, se);
}

/**
 * accelq_engine_job_done_locked - driver signal: the job of run @token ended
 * @engine: the engine
 * @token: token passed to &accelq_engine_ops.run
 *
 * For drivers whose completion path already holds the engine lock.
 */
void accelq_engine_job_done_locked(struct accelq_engine *engine, u64 token)
{
	lockdep_assert_held(&engine->lock);

	if (engine->running && engine->token == token) {
		accelq_engine_stop_locked(engine, ACCELQ_STOP_DONE);
		accelq_engine_kick_locked(engine);
	}
}

/**
 * accelq_engine_job_done - driver signal: the job of run @token ended
 * @engine: the engine
 * @token: token passed to &accelq_engine_ops.run
 *
 * Callable from process or softirq context.
 */
void accelq_engine_job_done(struct accelq_engine *engine, u64 token)
{
	spin_lock_bh(&engine->lock);
	accelq_engine_job_done_locked(engine, token);
	spin_unlock_bh(&engine->lock);
}

static enum hrtimer_restart accelq_engine_watchdog_fn(struct hrtimer *t)
{
	struct accelq_engine *engine = watchdog_to_engine(t);
	u64 timeout = accelq_job_timeout_ns();

	spin_lock(&engine->lock);
	if (engine->running &&
	    ktime_to_ns(ktime_sub(ktime_get(), engine->stint_start)) >= timeout) {
		pr_warn_ratelimited("accelq: %s: job %u:%llu of tenant %u hung, resetting engine\n",
				    engine->name, engine->running_q->id,
				    engine->running->seqno,
				    engine->running->tenant_id);
		engine->ops->reset(engine);
		accelq_engine_stop_locked(engine, ACCELQ_STOP_HANG);
		accelq_engine_kick_locked(engine);
	}
	spin_unlock(&engine->lock);
	return HRTIMER_NORESTART;
}

static enum hrtimer_restart accelq_engine_slice_fn(struct hrtimer *t)
{
	struct accelq_engine *engine = slice_to_engine(t);
	u64 slice = accelq_timeslice_ns();
	u64 gran = min(accelq_wakeup_granularity_ns(), slice);
	ktime_t now;
	u64 ran, due;

	spin_lock(&engine->lock);
	if (!engine->running ||
	    !(engine->running->flags & ACCELQ_JOB_PREEMPTIBLE))
		goto out;

	now = ktime_get();
	ran = ktime_to_ns(ktime_sub(now, engine->stint_start));
	due = engine->wakeup_preempt ? gran : slice;
	if (ran < due) {
		/* Early: a stale expiry, or the granularity was raised. */
		hrtimer_start(&engine->slice, ns_to_ktime(due - ran),
			      HRTIMER_MODE_REL_SOFT);
		goto out;
	}

	if (engine->wakeup_preempt ||
	    accelq_sched_should_preempt_locked(engine)) {
		accelq_engine_stop_locked(engine, ACCELQ_STOP_PREEMPT);
		accelq_engine_kick_locked(engine);
	} else {
		/*
		 * Nobody waits: the job keeps the engine for another slice.
		 * Charge what it ran so far so that shares stay exact, and
		 * renew the stint, which also renews the watchdog.
		 */
		struct accelq_kjob *job = engine->running;

		accelq_engine_charge_locked(engine, job, engine->running_q, ran);
		accelq_sched_charge_locked(engine, engine->running_se, ran);
		trace_accelq_job_tick(job->tenant_id, engine->running_q->id,
				      engine->id, job->seqno, ran);
		engine->stint_start = now;
		accelq_engine_arm_locked(engine);
	}
out:
	spin_unlock(&engine->lock);
	return HRTIMER_NORESTART;
}

/**
 * accelq_engine_check_preempt_locked - a queue became runnable
 * @engine: its engine
 * @waking: the queue
 *
 * See "Wakeup preemption" above.
 */
void accelq_engine_check_preempt_locked(struct accelq_engine *engine,
					struct accelq_queue *waking)
{
	struct accelq_sched_entity *cur = engine->running_se;
	u64 gran, ran;

	lockdep_assert_held(&engine->lock);

	if (!engine->running || engine->wakeup_preempt ||
	    !(engine->running->flags & ACCELQ_JOB_PREEMPTIBLE) ||
	    waking->class != ACCELQ_CLASS_LATENCY ||
	    engine->running_q->class == ACCELQ_CLASS_LATENCY)
		return;
	/* Another tenant must be due first; ties go to the waiter. */
	if (waking->se != cur && (!waking->se->queued ||
				  accelq_vtime_before(cur->vtime,
						      waking->se->vtime)))
		return;

	engine->wakeup_preempt = true;
	gran = min(accelq_wakeup_granularity_ns(), accelq_timeslice_ns());
	ran = ktime_to_ns(ktime_sub(ktime_get(), engine->stint_start));
	hrtimer_start(&engine->slice, ns_to_ktime(ran < gran ? gran - ran : 0),
		      HRTIMER_MODE_REL_SOFT);
}

/**
 * accelq_engine_reset - administrator reset of an engine
 * @engine: the engine
 *
 * The job on the engine, innocent, completes with -EIO; queued jobs are not
 * on the engine and stay queued.
 */
void accelq_engine_reset(struct accelq_engine *engine)
{
	spin_lock_bh(&engine->lock);
	if (engine->running) {
		engine->ops->reset(engine);
		accelq_engine_stop_locked(engine, ACCELQ_STOP_RESET);
		accelq_engine_kick_locked(engine);
	}
	spin_unlock_bh(&engine->lock);
}

/**
 * accelq_engine_pick_any - engine for an %ACCELQ_ENGINE_ANY queue
 * @adev: the device
 *
 * Return: the engine with the fewest queues (lowest id on a tie).
 */
struct accelq_engine *accelq_engine_pick_any(struct accelq_device *adev)
{
	struct accelq_engine *best = adev->engines[0];
	unsigned int i;

	for (i = 1; i < adev->nr_engines; i++)
		if (atomic_read(&adev->engines[i]->nr_queues) <
		    atomic_read(&best->nr_queues))
			best = adev->engines[i];
	return best;
}

static void accelq_engine_kick_work(struct work_struct *work)
{
	struct accelq_engine *engine = container_of(work, struct accelq_engine,
						    kick_work);

	spin_lock_bh(&engine->lock);
	accelq_engine_kick_locked(engine);
	spin_unlock_bh(&engine->lock);
}

static void accelq_engine_init(struct accelq_engine *engine,
			       struct accelq_device *adev, u32 id)
{
	engine->adev = adev;
	engine->id = id;
	spin_lock_init(&engine->lock);
	engine->runnable = RB_ROOT_CACHED;
	atomic_set(&engine->nr_queues, 0);
	hrtimer_init(&engine->watchdog, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	engine->watchdog.function = accelq_engine_watchdog_fn;
	hrtimer_init(&engine->slice, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	engine->slice.function = accelq_engine_slice_fn;
	INIT_WORK(&engine->kick_work, accelq_engine_kick_work);
}

static void accelq_engine_fini(struct accelq_engine *engine)
{
	WARN_ON(engine->running);
	/* No queue is left: a pending kick finds nothing and does not requeue. */
	cancel_work_sync(&engine->kick_work);
	hrtimer_cancel(&engine->watchdog);
	hrtimer_cancel(&engine->slice);
	engine->ops->fini(engine);
}

/**
 * accelq_engines_init - create the engines
 * @adev: the device
 * @nr_sim: number of simulated engines
 *
 * Return: 0 or a negative errno.
 */
int accelq_engines_init(struct accelq_device *adev, unsigned int nr_sim)
{
	unsigned int i;
	int ret;

	adev->engines = kcalloc(nr_sim, sizeof(*adev->engines), GFP_KERNEL);
	if (!adev->engines)
		return -ENOMEM;

	for (i = 0; i < nr_sim; i++) {
		struct accelq_engine *engine;

		engine = kzalloc(sizeof(*engine), GFP_KERNEL);
		if (!engine) {
			ret = -ENOMEM;
			goto err_fini_engines;
		}
		accelq_engine_init(engine, adev, i);
		ret = accelq_sim_engine_init(engine);
		if (ret) {
			kfree(engine);
			goto err_fini_engines;
		}
		adev->engines[i] = engine;
		adev->nr_engines = i + 1;
	}
	return 0;

err_fini_engines:
	accelq_engines_fini(adev);
	return ret;
}

/**
 * accelq_engines_fini - destroy the engines
 * @adev: the device, with no client left
 */
void accelq_engines_fini(struct accelq_device *adev)
{
	unsigned int i;

	for (i = 0; i < adev->nr_engines; i++) {
		accelq_engine_fini(adev->engines[i]);
		kfree(adev->engines[i]);
	}
	kfree(adev->engines);
	adev->engines = NULL;
	adev->nr_engines = 0;
}
