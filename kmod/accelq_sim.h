/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * accelq - simulated engine.
 *
 * Copyright (C) 2026 The accelq authors
 */
#ifndef __ACCELQ_SIM_H__
#define __ACCELQ_SIM_H__

struct accelq_engine;

int accelq_sim_engine_init(struct accelq_engine *engine);

#endif /* __ACCELQ_SIM_H__ */
