/* bench.h - what the benchmark programs share: a microsecond clock and
 * the order of int64_t for qsort(). */
#ifndef HF_BENCH_H
#define HF_BENCH_H

#include <stdint.h>
#include <time.h>

static inline int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static inline int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

#endif
