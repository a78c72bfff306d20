/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test programs' clock: monotonic seconds, and a sleep that resumes
 * after signals.
 */
#ifndef RCUFAULT_TEST_CLOCK_H
#define RCUFAULT_TEST_CLOCK_H

#include <errno.h>
#include <time.h>

static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sleep @us microseconds, whatever signals come meanwhile. */
static inline void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, us % 1000000 * 1000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

#endif /* RCUFAULT_TEST_CLOCK_H */
