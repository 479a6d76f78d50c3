/*
 * test_snapshot.c - the account snapshot the gate hands to every strategy:
 * read by all of them at once, freed by whichever releases it last.
 *
 * Under `make tsan test` this is the check that the refcount is visible to
 * ThreadSanitizer: with a decrement it cannot see (ck_pr_faa is inline
 * assembly), each reader's reads look unordered with the last reader's
 * free and the run reports a data race (exit 66).  In every build the
 * snapshot must be freed exactly once, after every reader is done with it.
 */
#include <CUnit/CUnit.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/pipeline_state.h"

#define READERS 8
#define ROUNDS 200

struct reader {
	struct ib_snapshot *snap;
	pthread_barrier_t *start;
	long sum;
};

/* One strategy's on_start: read the whole snapshot, then release it. */
static void *
read_then_release(void *arg)
{
	struct reader *r = arg;
	const ib_accounts *a = &r->snap->a;

	pthread_barrier_wait(r->start);
	for (int i = 0; i < a->n; i++)
		for (int k = 0; k < a->a[i].nvalues; k++)
			r->sum += (long)strlen(a->a[i].values[k].value);
	r->sum += a->next_order_id;
	ib_snapshot_release(r->snap);
	return NULL;
}

static struct ib_snapshot *
make_snapshot(void)
{
	struct ib_snapshot *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	atomic_init(&s->refs, READERS);
	ib_account *acct = ib_accounts_add(&s->a, "DU111111");
	ib_account_set_value(acct, "NetLiquidation", "USD", "1000000.00");
	ib_account_set_value(acct, "CashBalance", "BASE", "12.5");
	s->a.next_order_id = 7;
	return s;
}

static void
test_readers_then_last_frees(void)
{
	for (int round = 0; round < ROUNDS; round++) {
		pthread_t th[READERS];
		struct reader r[READERS];
		pthread_barrier_t start;
		struct ib_snapshot *s = make_snapshot();

		CU_ASSERT_PTR_NOT_NULL_FATAL(s);
		pthread_barrier_init(&start, NULL, READERS);
		for (int i = 0; i < READERS; i++) {
			r[i] = (struct reader){ .snap = s, .start = &start };
			CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, read_then_release, &r[i]), 0);
		}
		for (int i = 0; i < READERS; i++)
			pthread_join(th[i], NULL);
		pthread_barrier_destroy(&start);
		/* every reader saw the whole snapshot (10 + 4 value bytes, id 7): none read freed memory */
		for (int i = 0; i < READERS; i++)
			CU_ASSERT_EQUAL(r[i].sum, 10 + 4 + 7);
	}
}

void
test_snapshot_register(void)
{
	CU_pSuite s = CU_add_suite("snapshot", NULL, NULL);

	CU_add_test(s, "eight strategies read one snapshot at once; the last release frees it", test_readers_then_last_frees);
}
