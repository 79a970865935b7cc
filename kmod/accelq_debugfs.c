// SPDX-License-Identifier: GPL-2.0-only
/*
 * accelq - debugfs: /sys/kernel/debug/accelq/{engines,clients,queues,stats}.
 *
 * Copyright (C) 2026 The accelq authors
 */

#include <linux/debugfs.h>
#include <linux/pid.h>
#include <linux/seq_file.h>
#include <linux/xarray.h>

#include <uapi/linux/accelq.h>

#include "accelq_debugfs.h"
#include "accelq_drv.h"
#include "accelq_engine.h"
#include "accelq_file.h"
#include "accelq_queue.h"
#include "accelq_tenant.h"

static int accelq_engines_show(struct seq_file *m, void *unused)
{
	struct accelq_device *adev = m->private;
	unsigned int i;

	for (i = 0; i < adev->nr_engines; i++) {
		struct accelq_engine *engine = adev->engines[i];

		spin_lock_bh(&engine->lock);
		seq_printf(m, "%s: id=%u queues=%d busy_ns=%llu resets=%llu preemptions=%llu min_vtime=%llu\n",
			   engine->name, engine->id,
			   atomic_read(&engine->nr_queues), engine->busy_ns,
			   engine->nr_resets, engine->nr_preemptions,
			   engine->min_vtime);
		if (engine->running)
			seq_printf(m, "  running: tenant=%u queue=%u seqno=%llu remaining_ns=%llu\n",
				   engine->running->tenant_id,
				   engine->running_q->id,
				   engine->running->seqno,
				   engine->running->remaining_ns);
		else
			seq_puts(m, "  idle\n");
		if (engine->ops->show)
			engine->ops->show(engine, m);
		spin_unlock_bh(&engine->lock);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(accelq_engines);

static int accelq_clients_show(struct seq_file *m, void *unused)
{
	struct accelq_device *adev = m->private;
	struct accelq_client *client;

	mutex_lock(&adev->clients_lock);
	list_for_each_entry(client, &adev->clients, node) {
		u32 done, outstanding;

		spin_lock_bh(&client->done_lock);
		done = client->nr_done;
		outstanding = client->nr_outstanding;
		spin_unlock_bh(&client->done_lock);
		seq_printf(m, "client=%llu pid=%d tenant=%u queues=%u outstanding=%u unread=%u submitted=%lld completed=%llu\n",
			   client->id, pid_nr(client->pid), client->tenant->id,
			   READ_ONCE(client->nr_queues), outstanding, done,
			   atomic64_read(&client->jobs_submitted),
			   READ_ONCE(client->jobs_completed));
	}
	mutex_unlock(&adev->clients_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(accelq_clients);

static int accelq_queues_show(struct seq_file *m, void *unused)
{
	struct accelq_device *adev = m->private;
	struct accelq_queue *queue;
	unsigned long id;

	xa_lock(&adev->queues);
	xa_for_each(&adev->queues, id, queue) {
		struct accelq_engine *engine = queue->engine;
		struct accelq_kjob *job;

		spin_lock_bh(&engine->lock);
		seq_printf(m, "queue=%u client=%llu tenant=%u engine=%s class=%s depth=%u jobs=%u last_seqno=%llu done_seqno=%llu%s\n",
			   queue->id, queue->client->id, queue->se->tenant->id,
			   engine->name,
			   queue->class == ACCELQ_CLASS_LATENCY ? "latency" : "batch",
			   queue->depth, queue->nr_jobs, queue->last_seqno,
			   queue->done_seqno,
			   engine->running_q == queue ? " running" : "");
		list_for_each_entry(job, &queue->pending, node)
			seq_printf(m, "  job seqno=%llu cost_ns=%llu remaining_ns=%llu flags=0x%x%s\n",
				   job->seqno, job->cost_ns, job->remaining_ns,
				   job->flags,
				   engine->running == job ? " running" : "");
		spin_unlock_bh(&engine->lock);
	}
	xa_unlock(&adev->queues);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(accelq_queues);

static const char *const accelq_stat_names[ACCELQ_STAT_NR] = {
	[ACCELQ_STAT_JOBS_ACCEPTED] = "jobs_accepted",
	[ACCELQ_STAT_JOBS_COMPLETED] = "jobs_completed",
	[ACCELQ_STAT_COMPLETIONS_READ] = "completions_read",
	[ACCELQ_STAT_COMPLETIONS_DISCARDED] = "completions_discarded",
	[ACCELQ_STAT_STATUS_OK] = "status_ok",
	[ACCELQ_STAT_STATUS_CANCELED] = "status_canceled",
	[ACCELQ_STAT_STATUS_TIMEDOUT] = "status_timedout",
	[ACCELQ_STAT_STATUS_IO] = "status_io",
	[ACCELQ_STAT_PREEMPTIONS] = "preemptions",
	[ACCELQ_STAT_ENGINE_RESETS] = "engine_resets",
};

static int accelq_stats_show(struct seq_file *m, void *unused)
{
	struct accelq_stats s;
	unsigned int i;

	accelq_stats_read(m->private, &s);
	for (i = 0; i < ACCELQ_STAT_NR; i++) {
		seq_printf(m, "%s %llu\n", accelq_stat_names[i], s.v[i]);
		if (i == ACCELQ_STAT_JOBS_COMPLETED)
			seq_printf(m, "jobs_inflight %lld\n",
				   (s64)(s.v[ACCELQ_STAT_JOBS_ACCEPTED] -
					 s.v[ACCELQ_STAT_JOBS_COMPLETED]));
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(accelq_stats);

static ssize_t accelq_reset_write(struct file *file, const char __user *buf,
				  size_t count, loff_t *ppos)
{
	struct accelq_device *adev = file_inode(file)->i_private;
	unsigned int id;
	int ret;

	ret = kstrtouint_from_user(buf, count, 0, &id);
	if (ret)
		return ret;
	if (id >= adev->nr_engines)
		return -EINVAL;
	accelq_engine_reset(adev->engines[id]);
	return count;
}

static const struct file_operations accelq_reset_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = accelq_reset_write,
	.llseek = noop_llseek,
};

void accelq_debugfs_init(struct accelq_device *adev)
{
	struct dentry *dir = debugfs_create_dir("accelq", NULL);

	adev->debugfs = dir;
	debugfs_create_file("engines", 0400, dir, adev, &accelq_engines_fops);
	debugfs_create_file("clients", 0400, dir, adev, &accelq_clients_fops);
	debugfs_create_file("queues", 0400, dir, adev, &accelq_queues_fops);
	debugfs_create_file("stats", 0400, dir, adev, &accelq_stats_fops);
	debugfs_create_file("reset_engine", 0200, dir, adev,
			    &accelq_reset_fops);
}

void accelq_debugfs_fini(struct accelq_device *adev)
{
	debugfs_remove_recursive(adev->debugfs);
	adev->debugfs = NULL;
}
