/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * accelq - generic netlink control plane.
 *
 * Copyright (C) 2026 The accelq authors
 */
#ifndef __ACCELQ_NETLINK_H__
#define __ACCELQ_NETLINK_H__

/* Register the "accelq" family once accelq_dev is usable. */
int accelq_netlink_init(void);
/* Unregister it; waits for running requests, dumps pin the module. */
void accelq_netlink_fini(void);

#endif /* __ACCELQ_NETLINK_H__ */
