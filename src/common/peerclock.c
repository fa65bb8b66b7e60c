/* peerclock.c - another machine's clock as this one sees it (peerclock.h). */
#include <sodium.h>

#include "peerclock.h"

/* how far two monotonic clocks may drift apart: 100 ppm, 1 ms in 10 s */
#define DRIFT_DIV	10000

void
peerclock_init(struct peerclock *pc)
{
	pthread_mutex_init(&pc->mtx, NULL);
	pc->instance = 0;
	pc->offset = pc->at = 0;
}

/* The best offset as it stands at local time now. */
static int64_t
aged(const struct peerclock *pc, int64_t now)
{
	return pc->offset - (now > pc->at ? (now - pc->at) / DRIFT_DIV : 0);
}

void
peerclock_sample(struct peerclock *pc, int64_t instance, int64_t peer_ms,
    int64_t local_ms)
{
	int64_t off = peer_ms - local_ms;

	if (instance <= 0)
		return;
	pthread_mutex_lock(&pc->mtx);
	if (pc->instance != instance || off >= aged(pc, local_ms)) {
		pc->instance = instance;
		pc->offset = off;
		pc->at = local_ms;
	}
	pthread_mutex_unlock(&pc->mtx);
}

int
peerclock_now(struct peerclock *pc, int64_t instance, int64_t local_ms,
    int64_t *peer_ms)
{
	int rc = -1;

	pthread_mutex_lock(&pc->mtx);
	if (instance > 0 && pc->instance == instance) {
		*peer_ms = local_ms + aged(pc, local_ms);
		rc = 0;
	}
	pthread_mutex_unlock(&pc->mtx);
	return rc;
}

static int64_t	 self;
static pthread_once_t self_once = PTHREAD_ONCE_INIT;

static void
self_pick(void)
{
	uint64_t r;

	do {
		randombytes_buf(&r, sizeof(r));
		/* 52 bits: positive, exact as a JSON number anywhere, and
		 * within the 18 digits of valid_int() */
		self = (int64_t)(r >> 12);
	} while (self == 0);
}

int64_t
peerclock_self(void)
{
	(void)pthread_once(&self_once, self_pick);
	return self;
}
