/* peerclock.h - another machine's clock as this one sees it.
 *
 * The master stamps its requests to a node with its instance (a random
 * number chosen at its start) and its monotonic clock.  A node cannot
 * compare that stamp with its own wall clock: the two machines' clocks may
 * be seconds apart, and a node whose clock ran 6 s ahead refused every
 * change as arriving after its deadline.  It keeps instead the offset
 * between the master's monotonic clock and its own, learnt from the
 * stamps: offset = stamp - local time at arrival.  A stamp that waited
 * (on the network, or in a stopped node) gives a smaller offset, never a
 * larger one, so the largest offset seen is the best estimate, and the
 * master's time reckoned from it is never later than the true one by more
 * than the drift of the two clocks since (counted at 100 ppm, which also
 * makes a newer stamp win over a much older one).  Neither monotonic clock
 * jumps when a wall clock is set; a new master instance starts afresh.
 */
#ifndef HF_PEERCLOCK_H
#define HF_PEERCLOCK_H

#include <pthread.h>
#include <stdint.h>

struct peerclock {
	pthread_mutex_t	 mtx;
	int64_t		 instance;	/* 0: nothing learnt yet */
	int64_t		 offset;	/* peer ms - local ms, the best */
	int64_t		 at;		/* local ms when it was learnt */
};

void	 peerclock_init(struct peerclock *);
/* Learns from a stamp of the peer's instance and clock, arrived at local
 * monotonic time local_ms. */
void	 peerclock_sample(struct peerclock *, int64_t instance,
	    int64_t peer_ms, int64_t local_ms);
/* The peer's clock at local time local_ms, by instance; -1 when nothing of
 * that instance is known (it is not the peer's current one). */
int	 peerclock_now(struct peerclock *, int64_t instance, int64_t local_ms,
	    int64_t *peer_ms);

/* This process's own instance, random and positive, the same for its whole
 * life. */
int64_t	 peerclock_self(void);

#endif
