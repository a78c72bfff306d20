// SPDX-License-Identifier: GPL-2.0
/*
 * The definitions behind rcufault's tracepoints (declared, with what each
 * records, in include/rcufault/trace_events.h).
 */
#define CREATE_TRACE_POINTS
#include "rcufault/trace_events.h"
