// SPDX-License-Identifier: GPL-2.0-only
/*
 * accelq - multi-tenant accelerator queue scheduler: module and device.
 *
 * Copyright (C) 2026 The accelq authors
 */

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>

#include <uapi/linux/accelq.h>

#include "accelq_debugfs.h"
#include "accelq_drv.h"
#include "accelq_engine.h"
#include "accelq_file.h"
#include "accelq_netlink.h"
#include "accelq_queue.h"
#include "accelq_tenant.h"

unsigned int accelq_sim_engines = 2;
module_param_named(sim_engines, accelq_sim_engines, uint, 0444);
MODULE_PARM_DESC(sim_engines, "Number of simulated engines (1-64, default 2)");

unsigned int accelq_max_queues = 64;
module_param_named(max_queues, accelq_max_queues, uint, 0444);
MODULE_PARM_DESC(max_queues, "Queues per open file (1-65536, default 64)");

unsigned int accelq_max_depth = 4096;
module_param_named(max_depth, accelq_max_depth, uint, 0444);
MODULE_PARM_DESC(max_depth, "Largest queue depth (1-1048576, default 4096)");

unsigned int accelq_max_batch = 1024;
module_param_named(max_batch, accelq_max_batch, uint, 0444);
MODULE_PARM_DESC(max_batch, "Most jobs per SUBMIT (1-65536, default 1024)");

unsigned int accelq_max_client_jobs = 65536;
module_param_named(max_client_jobs, accelq_max_client_jobs, uint, 0444);
MODULE_PARM_DESC(max_client_jobs,
		 "Accepted but unread jobs per open file (1-16777216, default 65536)");

unsigned int accelq_max_user_jobs = 262144;
module_param_named(max_user_jobs, accelq_max_user_jobs, uint, 0644);
MODULE_PARM_DESC(max_user_jobs,
		 "Accepted but unread jobs of one user (effective uid) over all its open files; 0: no limit; openers with CAP_SYS_RESOURCE are exempt (default 262144)");

bool accelq_allow_default_tenant = true;
module_param_named(default_tenant, accelq_allow_default_tenant, bool, 0644);
MODULE_PARM_DESC(default_tenant,
		 "Attribute processes matching no tenant to the default tenant; if off, their open fails with EACCES (default on)");

static unsigned int job_timeout_ms = 5000;
module_param(job_timeout_ms, uint, 0644);
MODULE_PARM_DESC(job_timeout_ms,
		 "A job running this long without yielding is hung (ms, min 1, default 5000)");

static unsigned int timeslice_us = 5000;
module_param(timeslice_us, uint, 0644);
MODULE_PARM_DESC(timeslice_us,
		 "Timeslice of preemptible jobs (us, min 100, default 5000)");

static unsigned int wakeup_granularity_us = 500;
module_param(wakeup_granularity_us, uint, 0644);
MODULE_PARM_DESC(wakeup_granularity_us,
		 "A waking latency job preempts a preemptible batch job once it has run this long (us, default 500)");

/* The writable parameters are read once per use and clamped to sane values. */
u64 accelq_job_timeout_ns(void)
{
	return (u64)max(READ_ONCE(job_timeout_ms), 1U) * NSEC_PER_MSEC;
}

u64 accelq_timeslice_ns(void)
{
	return (u64)max(READ_ONCE(timeslice_us), 100U) * NSEC_PER_USEC;
}

u64 accelq_wakeup_granularity_ns(void)
{
	return (u64)READ_ONCE(wakeup_granularity_us) * NSEC_PER_USEC;
}

struct accelq_device *accelq_dev;

/**
 * accelq_stats_read - sum the per-CPU job ledger
 * @adev: the device
 * @sum: the totals
 */
void accelq_stats_read(struct accelq_device *adev, struct accelq_stats *sum)
{
	unsigned int cpu, i;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct accelq_stats *c = per_cpu_ptr(adev->stats, cpu);

		for (i = 0; i < ACCELQ_STAT_NR; i++)
			sum->v[i] += READ_ONCE(c->v[i]);
	}
}

static int accelq_check_param(const char *name, unsigned int val,
			      unsigned int max)
{
	if (val >= 1 && val <= max)
		return 0;
	pr_err("accelq: %s=%u out of range 1..%u\n", name, val, max);
	return -EINVAL;
}

static int accelq_check_params(void)
{
	return accelq_check_param("sim_engines", accelq_sim_engines,
				  ACCELQ_MAX_ENGINES) ?:
	       accelq_check_param("max_queues", accelq_max_queues, 65536) ?:
	       accelq_check_param("max_depth", accelq_max_depth, 1 << 20) ?:
	       accelq_check_param("max_batch", accelq_max_batch, 65536) ?:
	       accelq_check_param("max_client_jobs", accelq_max_client_jobs,
				  1 << 24);
}

static int __init accelq_init(void)
{
	struct accelq_device *adev;
	int ret;

	ret = accelq_check_params();
	if (ret)
		return ret;

	adev = kzalloc(sizeof(*adev), GFP_KERNEL);
	if (!adev)
		return -ENOMEM;
	adev->stats = alloc_percpu(struct accelq_stats);
	if (!adev->stats) {
		kfree(adev);
		return -ENOMEM;
	}
	xa_init_flags(&adev->queues, XA_FLAGS_ALLOC1);
	mutex_init(&adev->clients_lock);
	INIT_LIST_HEAD(&adev->clients);
	xa_init(&adev->users);

	ret = accelq_queue_cache_init();
	if (ret)
		goto err_free_dev;

	ret = accelq_engines_init(adev, accelq_sim_engines);
	if (ret)
		goto err_fini_cache;

	ret = accelq_tenants_init(adev);
	if (ret)
		goto err_fini_engines;

	accelq_dev = adev;
	accelq_debugfs_init(adev);

	/*
	 * The device node goes last: once it exists a file may be open, and
	 * the error path below could not free what that file uses.
	 */
	ret = accelq_netlink_init();
	if (ret)
		goto err_fini_debugfs;

	adev->misc.minor = MISC_DYNAMIC_MINOR;
	adev->misc.name = "accelq";
	adev->misc.fops = &accelq_fops;
	adev->misc.mode = 0666;
	ret = misc_register(&adev->misc);
	if (ret)
		goto err_fini_netlink;

	pr_info("accelq: ABI %u, %u simulated engines\n", ACCELQ_ABI_VERSION,
		adev->nr_engines);
	return 0;

err_fini_netlink:
	accelq_netlink_fini();
err_fini_debugfs:
	accelq_debugfs_fini(adev);
	accelq_dev = NULL;
	accelq_tenants_fini(adev);
err_fini_engines:
	accelq_engines_fini(adev);
err_fini_cache:
	accelq_queue_cache_fini();
err_free_dev:
	mutex_destroy(&adev->clients_lock);
	free_percpu(adev->stats);
	kfree(adev);
	return ret;
}

static void __exit accelq_exit(void)
{
	struct accelq_device *adev = accelq_dev;

	/* The module is only unloadable with no file open: nothing is queued. */
	misc_deregister(&adev->misc);
	accelq_netlink_fini();
	accelq_debugfs_fini(adev);
	accelq_tenants_fini(adev);
	WARN_ON(!xa_empty(&adev->queues));
	accelq_engines_fini(adev);
	accelq_queue_cache_fini();
	xa_destroy(&adev->queues);
	WARN_ON(!xa_empty(&adev->users));
	xa_destroy(&adev->users);
	mutex_destroy(&adev->clients_lock);
	free_percpu(adev->stats);
	accelq_dev = NULL;
	kfree(adev);
}

module_init(accelq_init);
module_exit(accelq_exit);

MODULE_DESCRIPTION("accelq: multi-tenant accelerator queue scheduler");
MODULE_AUTHOR("The accelq authors");
MODULE_LICENSE("GPL");
