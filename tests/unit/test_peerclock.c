/* test_peerclock.c - unit tests of src/common/peerclock.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../src/common/peerclock.h"

/* The peer's clock is 6 s behind ours (any offset would do). */
#define SKEW	(-6000)

static void
test_nothing_learnt(void **state)
{
	struct peerclock pc;
	int64_t t;

	(void)state;
	peerclock_init(&pc);
	assert_int_equal(peerclock_now(&pc, 7, 1000, &t), -1);
	peerclock_sample(&pc, 0, 5, 1000);	/* no instance: ignored */
	assert_int_equal(peerclock_now(&pc, 0, 1000, &t), -1);
}

static void
test_offset_from_a_fresh_stamp(void **state)
{
	struct peerclock pc;
	int64_t t;

	(void)state;
	peerclock_init(&pc);
	peerclock_sample(&pc, 7, 100000 + SKEW, 100000);
	assert_int_equal(peerclock_now(&pc, 7, 100500, &t), 0);
	assert_int_equal(t, 100500 + SKEW);
	/* another instance (the peer restarted) is not known */
	assert_int_equal(peerclock_now(&pc, 8, 100500, &t), -1);
}

/* A stamp that waited 10 s (a stopped process, a slow network) does not
 * make the peer's clock look late: the fresher offset stays. */
static void
test_stale_stamp_does_not_win(void **state)
{
	struct peerclock pc;
	int64_t t;

	(void)state;
	peerclock_init(&pc);
	peerclock_sample(&pc, 7, 100000 + SKEW, 100000);
	/* sent at our 101000, seen at our 111000 */
	peerclock_sample(&pc, 7, 101000 + SKEW, 111000);
	assert_int_equal(peerclock_now(&pc, 7, 111000, &t), 0);
	assert_int_equal(t, 111000 + SKEW - 1);	/* aged 11 s at 100 ppm */
	/* so a deadline of 1000 + 3000 on the peer's clock has passed */
	assert_true(t > 101000 + SKEW + 3000);
}

/* A fresher stamp with a larger offset wins (the earlier one waited). */
static void
test_larger_offset_wins(void **state)
{
	struct peerclock pc;
	int64_t t;

	(void)state;
	peerclock_init(&pc);
	peerclock_sample(&pc, 7, 100000 + SKEW - 40, 100000);	/* waited 40 ms */
	peerclock_sample(&pc, 7, 100100 + SKEW, 100100);
	assert_int_equal(peerclock_now(&pc, 7, 100100, &t), 0);
	assert_int_equal(t, 100100 + SKEW);
}

/* An old best offset ages at 100 ppm, so that after a long time a fresh
 * stamp that is a little smaller (the clocks drifted) takes over. */
static void
test_aging(void **state)
{
	struct peerclock pc;
	int64_t t, day = 86400000;

	(void)state;
	peerclock_init(&pc);
	peerclock_sample(&pc, 7, 100000 + SKEW, 100000);
	assert_int_equal(peerclock_now(&pc, 7, 100000 + day, &t), 0);
	assert_int_equal(t, 100000 + day + SKEW - day / 10000);
	/* the peer's clock ran 2 s slower over the day */
	peerclock_sample(&pc, 7, 100000 + day + SKEW - 2000, 100000 + day);
	assert_int_equal(peerclock_now(&pc, 7, 100000 + day, &t), 0);
	assert_int_equal(t, 100000 + day + SKEW - 2000);
}

/* A new instance of the peer starts afresh, even with a smaller offset. */
static void
test_new_instance(void **state)
{
	struct peerclock pc;
	int64_t t;

	(void)state;
	peerclock_init(&pc);
	peerclock_sample(&pc, 7, 9000000, 100000);
	peerclock_sample(&pc, 8, 50, 100000);
	assert_int_equal(peerclock_now(&pc, 7, 100000, &t), -1);
	assert_int_equal(peerclock_now(&pc, 8, 100010, &t), 0);
	assert_int_equal(t, 60);
}

static void
test_self(void **state)
{
	(void)state;
	assert_true(peerclock_self() > 0);
	/* a query parameter valid_int() takes (at most 18 digits) */
	assert_true(peerclock_self() < 1000000000000000000LL);
	assert_int_equal(peerclock_self(), peerclock_self());
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing_learnt),
		cmocka_unit_test(test_offset_from_a_fresh_stamp),
		cmocka_unit_test(test_stale_stamp_does_not_win),
		cmocka_unit_test(test_larger_offset_wins),
		cmocka_unit_test(test_aging),
		cmocka_unit_test(test_new_instance),
		cmocka_unit_test(test_self),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
