// SPDX-License-Identifier: GPL-2.0-only
/*
 * accelq - simulated engine.
 *
 * Copyright (C) 2026 The accelq authors
 */

#include <linux/hrtimer.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "accelq_engine.h"
#include "accelq_queue.h"
#include "accelq_sim.h"

/**
 * DOC: simulated engine
 *
 * A simulated engine "executes" a job by staying busy for the job's
 * remaining cost in wall time: one hrtimer per engine, no CPU spinning. It
 * implements &accelq_engine_ops exactly as a hardware driver would: @run
 * arms the timer (the doorbell), the timer's expiry is the completion
 * interrupt that calls accelq_engine_job_done(), @preempt stops the timer and
 * reports the work left (a context save), @reset forgets the job.
 *
 * All members of &struct accelq_sim are protected by the engine lock, which
 * the core holds around every op and the timer callback takes.
 */
struct accelq_sim {
	struct accelq_engine *engine;
	struct hrtimer timer;
	/* Protected by the engine lock. */
	bool busy;
	u64 token;
	ktime_t start;
	u64 remaining_ns;
	u64 jobs_run;
};

static struct accelq_sim *timer_to_sim(struct hrtimer *t)
{
	return container_of(t, struct accelq_sim, timer);
}

static enum hrtimer_restart accelq_sim_timer_fn(struct hrtimer *t)
{
	struct accelq_sim *sim = timer_to_sim(t);
	struct accelq_engine *engine = sim->engine;

	/*
	 * This expiry may belong to a run that was preempted or reset while
	 * the callback waited for the lock, and the timer may have been armed
	 * again since: the job is done only if the current run's whole cost
	 * has elapsed.
	 */
	spin_lock(&engine->lock);
	if (sim->busy &&
	    ktime_to_ns(ktime_sub(ktime_get(), sim->start)) >= sim->remaining_ns) {
		sim->busy = false;
		accelq_engine_job_done_locked(engine, sim->token);
	}
	spin_unlock(&engine->lock);
	return HRTIMER_NORESTART;
}

static int accelq_sim_run(struct accelq_engine *engine, struct accelq_kjob *job,
			  u64 token)
{
	struct accelq_sim *sim = engine->priv;

	lockdep_assert_held(&engine->lock);

	sim->busy = true;
	sim->token = token;
	sim->start = ktime_get();
	sim->remaining_ns = job->remaining_ns;
	sim->jobs_run++;
	hrtimer_start(&sim->timer, ns_to_ktime(job->remaining_ns),
		      HRTIMER_MODE_REL_SOFT);
	return 0;
}

static u64 accelq_sim_stop(struct accelq_sim *sim)
{
	u64 elapsed, left;

	if (!sim->busy)
		return 0;
	/* A callback already running carries a token that is now stale. */
	hrtimer_try_to_cancel(&sim->timer);
	sim->busy = false;
	elapsed = ktime_to_ns(ktime_sub(ktime_get(), sim->start));
	left = elapsed < sim->remaining_ns ? sim->remaining_ns - elapsed : 0;
	sim->remaining_ns = 0;
	return left;
}

static u64 accelq_sim_preempt(struct accelq_engine *engine)
{
	lockdep_assert_held(&engine->lock);

	return accelq_sim_stop(engine->priv);
}

static void accelq_sim_reset(struct accelq_engine *engine)
{
	lockdep_assert_held(&engine->lock);

	accelq_sim_stop(engine->priv);
}

static void accelq_sim_show(struct accelq_engine *engine, struct seq_file *m)
{
	struct accelq_sim *sim = engine->priv;

	seq_printf(m, "  sim: busy=%d remaining_ns=%llu jobs_run=%llu\n",
		   sim->busy, sim->remaining_ns, sim->jobs_run);
}

static void accelq_sim_fini(struct accelq_engine *engine)
{
	struct accelq_sim *sim = engine->priv;

	hrtimer_cancel(&sim->timer);
	kfree(sim);
	engine->priv = NULL;
}

static const struct accelq_engine_ops accelq_sim_ops = {
	.run = accelq_sim_run,
	.preempt = accelq_sim_preempt,
	.reset = accelq_sim_reset,
	.show = accelq_sim_show,
	.fini = accelq_sim_fini,
};

/**
 * accelq_sim_engine_init - make @engine a simulated engine
 * @engine: an initialised, unused engine
 *
 * Return: 0 or -ENOMEM.
 */
int accelq_sim_engine_init(struct accelq_engine *engine)
{
	struct accelq_sim *sim;

	sim = kzalloc(sizeof(*sim), GFP_KERNEL);
	if (!sim)
		return -ENOMEM;
	sim->engine = engine;
	hrtimer_init(&sim->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	sim->timer.function = accelq_sim_timer_fn;
	snprintf(engine->name, sizeof(engine->name), "sim%u", engine->id);
	engine->ops = &accelq_sim_ops;
	engine->priv = sim;
	return 0;
}
