// SPDX-License-Identifier: GPL-2.0-only
/*
 * accelq - tenants.
 *
 * Copyright (C) 2026 The accelq authors
 */

#include <linux/errno.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "accelq_drv.h"
#include "accelq_engine.h"
#include "accelq_tenant.h"

/**
 * DOC: tenants
 *
 * Every client is attributed to a tenant when it opens the device, from
 * what the kernel knows of the opener and never from anything it passes.
 * The tenant is charged for every job of the client's queues.
 */

static struct accelq_tenant *accelq_default_tenant;

static void accelq_tenant_release(struct kref *ref)
{
	struct accelq_tenant *tenant = container_of(ref, struct accelq_tenant,
						    ref);

	kfree(tenant->busy_ns);
	kfree(tenant);
}

/**
 * accelq_tenant_put - drop a tenant reference and clear the caller's pointer
 * @ptenant: the reference
 */
void accelq_tenant_put(struct accelq_tenant **ptenant)
{
	if (*ptenant)
		kref_put(&(*ptenant)->ref, accelq_tenant_release);
	*ptenant = NULL;
}

static struct accelq_tenant *accelq_tenant_alloc(struct accelq_device *adev,
						 u32 id, const char *name)
{
	struct accelq_tenant *tenant;
	unsigned int i;

	tenant = kzalloc(struct_size(tenant, se, adev->nr_engines),
			 GFP_KERNEL_ACCOUNT);
	if (!tenant)
		return NULL;
	tenant->busy_ns = kcalloc(adev->nr_engines, sizeof(*tenant->busy_ns),
				  GFP_KERNEL_ACCOUNT);
	if (!tenant->busy_ns) {
		kfree(tenant);
		return NULL;
	}
	kref_init(&tenant->ref);
	tenant->adev = adev;
	tenant->id = id;
	strscpy(tenant->name, name, sizeof(tenant->name));
	tenant->weight = ACCELQ_WEIGHT_DEFAULT;
	for (i = 0; i < adev->nr_engines; i++)
		accelq_se_init(&tenant->se[i], tenant, adev->engines[i]);
	return tenant;
}

/**
 * accelq_tenant_resolve - the tenant of the current task
 * @adev: the device
 *
 * Return: a referenced tenant or an ERR_PTR().
 */
struct accelq_tenant *accelq_tenant_resolve(struct accelq_device *adev)
{
	kref_get(&accelq_default_tenant->ref);
	return accelq_default_tenant;
}

/**
 * accelq_tenant_account_status - count a job's final status
 * @tenant: the tenant charged for the job
 * @status: the job's status
 */
void accelq_tenant_account_status(struct accelq_tenant *tenant, int status)
{
	switch (status) {
	case 0:
		atomic64_inc(&tenant->stats.jobs_ok);
		break;
	case -ECANCELED:
		atomic64_inc(&tenant->stats.jobs_canceled);
		break;
	case -ETIMEDOUT:
		atomic64_inc(&tenant->stats.jobs_timedout);
		break;
	default:
		atomic64_inc(&tenant->stats.jobs_io);
		break;
	}
}

/**
 * accelq_tenant_throttled - is the tenant out of cap quota?
 * @tenant: the tenant
 */
bool accelq_tenant_throttled(struct accelq_tenant *tenant)
{
	return false;
}

/**
 * accelq_tenant_charge_locked - charge engine time against the tenant's cap
 * @tenant: the tenant
 * @run_ns: engine time used
 */
void accelq_tenant_charge_locked(struct accelq_tenant *tenant, u64 run_ns)
{
}

int accelq_tenants_init(struct accelq_device *adev)
{
	accelq_default_tenant = accelq_tenant_alloc(adev,
						    ACCELQ_TENANT_DEFAULT_ID,
						    "default");
	return accelq_default_tenant ? 0 : -ENOMEM;
}

void accelq_tenants_fini(struct accelq_device *adev)
{
	accelq_tenant_put(&accelq_default_tenant);
}
