// SPDX-License-Identifier: GPL-2.0-only
/*
 * accelq - tracepoint definitions.
 *
 * Copyright (C) 2026 The accelq authors
 */
#define CREATE_TRACE_POINTS
#include "accelq_trace.h"
