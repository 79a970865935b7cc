/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * accelq - debugfs dumps.
 *
 * Copyright (C) 2026 The accelq authors
 */
#ifndef __ACCELQ_DEBUGFS_H__
#define __ACCELQ_DEBUGFS_H__

struct accelq_device;

void accelq_debugfs_init(struct accelq_device *adev);
void accelq_debugfs_fini(struct accelq_device *adev);

#endif /* __ACCELQ_DEBUGFS_H__ */
