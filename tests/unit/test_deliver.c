/* Delivery queue and spool with a fake transport: everything delivered in
 * order; a dead receiver spools everything and the next open replays it
 * first; a full spool or no spool drops and says so; partial sends and
 * broken connections lose nothing (ids kept, duplicates only of the same
 * id); the spool survives a torn tail and honours its consumed offset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "report/deliver.h"
#include "report/spool.h"

#define MAXREC 20000

struct fake {
	atomic_int down;       /* every send fails */
	atomic_int fail_every; /* every Nth send takes half, then fails (0: never) */
	atomic_int health_eio; /* health checks failing from now on, this many */
	atomic_int block;      /* send waits while set */
	atomic_int delay_us;   /* a slow receiver: each send takes this long */
	atomic_int calls;
	atomic_int closed;
	size_t n;
	char (*ids)[65];
	int data_ok;
};

static int fake_send(void *ts, struct ep_event *const *ev, size_t n, size_t *acc)
{
	struct fake *f = ts;
	int call = ++f->calls;
	size_t take = n;

	*acc = 0;
	while (f->block)
		usleep(1000);
	if (n && f->delay_us)
		usleep((useconds_t)f->delay_us);
	if (n == 0) { /* health check (settling transports) */
		if (f->health_eio > 0) {
			f->health_eio--;
			return EP_EIO;
		}
		return 0;
	}
	if (f->down)
		return EP_EIO;
	if (f->fail_every && call % f->fail_every == 0)
		take = n / 2;
	for (size_t i = 0; i < take && f->n < MAXREC; i++) {
		char want[128];

		snprintf(want, sizeof(want), "payload of %s", ev[i]->id);
		if (ev[i]->len != strlen(want) || memcmp(ev[i]->data, want, ev[i]->len) != 0)
			f->data_ok = 0;
		snprintf(f->ids[f->n++], 65, "%s", ev[i]->id);
	}
	*acc = take;
	return take == n ? 0 : EP_EAGAIN;
}

static void fake_close(void *ts)
{
	struct fake *f = ts;

	f->closed = 1;
}

static const struct ep_transport_ops fake_ops = {
    .name = "fake", .send = fake_send, .close = fake_close};
static const struct ep_transport_ops fake_settle_ops = {
    .name = "fake-settle", .send = fake_send, .close = fake_close, .settle_ms = 30};

static struct fake *fake_new(void)
{
	struct fake *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->ids = calloc(MAXREC, 65);
	assert_non_null(f->ids);
	f->data_ok = 1;
	return f;
}

static void fake_free(struct fake *f)
{
	free(f->ids);
	free(f);
}

static void push_range(struct ep_deliver *dl, const char *prefix, int from, int to)
{
	for (int i = from; i < to; i++) {
		char id[65], data[128];

		snprintf(id, sizeof(id), "%s-%05d", prefix, i);
		snprintf(data, sizeof(data), "payload of %s", id);
		assert_int_equal(ep_deliver_push(dl, id, data, strlen(data)), 0);
	}
}

/* every id "prefix-i" for i in [from, to) was received, first copies in order */
static void assert_all(const struct fake *f, const char *prefix, int from, int to)
{
	int next = from;

	for (size_t k = 0; k < f->n; k++) {
		char want[65];

		snprintf(want, sizeof(want), "%s-%05d", prefix, next);
		if (next < to && strcmp(f->ids[k], want) == 0)
			next++;
	}
	assert_int_equal(next, to);
	assert_true(f->data_ok);
}

static char *mkspool(void)
{
	char *dir = strdup("/tmp/ep_deliver_XXXXXX");

	assert_non_null(mkdtemp(dir));
	return dir;
}

static void rmspool(char *dir)
{
	char **paths;
	size_t n;

	assert_int_equal(ep_spool_list(dir, NULL, &paths, &n), 0);
	for (size_t i = 0; i < n; i++)
		unlink(paths[i]);
	ep_spool_list_free(paths, n);
	rmdir(dir);
	free(dir);
}

static size_t spool_files(const char *dir)
{
	char **paths;
	size_t n;

	assert_int_equal(ep_spool_list(dir, NULL, &paths, &n), 0);
	ep_spool_list_free(paths, n);
	return n;
}

static void test_in_order(void **state)
{
	struct fake *f = fake_new();
	struct ep_deliver *dl;
	struct ep_deliver_stats st;
	struct ep_diag d = {0};

	(void)state;
	assert_int_equal(ep_deliver_open(&dl, "fake://a", &fake_ops, f, NULL, &d), 0);
	push_range(dl, "ev", 0, 5000);
	assert_int_equal(ep_deliver_close(dl, &st), 0);
	assert_int_equal(f->n, 5000);
	for (int i = 0; i < 5000; i++) {
		char want[65];

		snprintf(want, sizeof(want), "ev-%05d", i);
		assert_string_equal(f->ids[i], want);
	}
	assert_true(f->data_ok);
	assert_true(f->closed);
	assert_int_equal(st.sent, 5000);
	assert_int_equal(st.dropped + st.spooled + st.pending + st.replayed, 0);
	fake_free(f);
}

static void test_down_spools_then_replays_first(void **state)
{
	struct fake *f = fake_new(), *g = fake_new();
	struct ep_deliver *dl;
	struct ep_deliver_stats st;
	struct ep_deliver_opts o = {.close_wait_ms = 300};
	struct ep_diag d = {0};
	char *dir = mkspool();

	(void)state;
	o.spool_dir = dir;
	f->down = 1;
	assert_int_equal(ep_deliver_open(&dl, "fake://b", &fake_ops, f, &o, &d), 0);
	push_range(dl, "old", 0, 300);
	assert_int_equal(ep_deliver_close(dl, &st), 0); /* spooled, not dropped */
	assert_int_equal(f->n, 0);
	assert_int_equal(st.spooled, 300);
	assert_int_equal(st.pending, 300);
	assert_int_equal(st.dropped, 0);
	assert_true(st.retries > 0);
	assert_int_equal(spool_files(dir), 1);

	/* another destination does not see it */
	assert_int_equal(ep_deliver_open(&dl, "fake://other", &fake_ops, g, &o, &d), 0);
	assert_int_equal(ep_deliver_close(dl, &st), 0);
	assert_int_equal(g->n, 0);
	g->n = 0;

	/* the next run for the same destination sends the spool before new events */
	assert_int_equal(ep_deliver_open(&dl, "fake://b", &fake_ops, g, &o, &d), 0);
	push_range(dl, "new", 0, 50);
	assert_int_equal(ep_deliver_close(dl, &st), 0);
	assert_int_equal(g->n, 350);
	assert_string_equal(g->ids[0], "old-00000");
	assert_string_equal(g->ids[299], "old-00299");
	assert_string_equal(g->ids[300], "new-00000");
	assert_all(g, "old", 0, 300);
	assert_int_equal(st.replayed, 300);
	assert_int_equal(st.sent, 350);
	assert_int_equal(st.pending, 0);
	assert_int_equal(spool_files(dir), 0); /* delivered: removed */
	rmspool(dir);
	fake_free(f);
	fake_free(g);
}

static void test_spool_full_drops_counted(void **state)
{
	struct fake *f = fake_new();
	struct ep_deliver *dl;
	struct ep_deliver_stats st;
	struct ep_deliver_opts o = {.close_wait_ms = 200, .spool_max = 2048};
	struct ep_diag d = {0};
	char *dir = mkspool();

	(void)state;
	o.spool_dir = dir;
	f->down = 1;
	assert_int_equal(ep_deliver_open(&dl, "fake://c", &fake_ops, f, &o, &d), 0);
	push_range(dl, "ev", 0, 100);
	assert_int_equal(ep_deliver_close(dl, &st), EP_EIO);
	assert_true(st.dropped > 0);
	assert_true(st.spooled > 0);
	assert_int_equal(st.spooled + st.dropped, 100);
	assert_int_equal(st.pending, st.spooled);
	rmspool(dir);
	fake_free(f);
}

static void test_no_spool_drops_counted(void **state)
{
	struct fake *f = fake_new();
	struct ep_deliver *dl;
	struct ep_deliver_stats st;
	struct ep_deliver_opts o = {.close_wait_ms = 150};
	struct ep_diag d = {0};

	(void)state;
	f->down = 1;
	assert_int_equal(ep_deliver_open(&dl, "fake://d", &fake_ops, f, &o, &d), 0);
	push_range(dl, "ev", 0, 10);
	assert_int_equal(ep_deliver_close(dl, &st), EP_EIO);
	assert_int_equal(st.dropped, 10);
	fake_free(f);
}

static void test_queue_overflow_counted(void **state)
{
	struct fake *f = fake_new();
	struct ep_deliver *dl;
	struct ep_deliver_stats st;
	struct ep_deliver_opts o = {.queue_max = 20, .batch_max = 5};
	struct ep_diag d = {0};
	int refused = 0;

	(void)state;
	f->block = 1; /* the receiver hangs: the queue fills, push never waits */
	assert_int_equal(ep_deliver_open(&dl, "fake://e", &fake_ops, f, &o, &d), 0);
	for (int i = 0; i < 100; i++) {
		char id[16];

		snprintf(id, sizeof(id), "ev-%05d", i);
		refused += ep_deliver_push(dl, id, "x", 1) == EP_EAGAIN;
	}
	f->block = 0;
	assert_true(refused >= 100 - 20 - 5);
	assert_int_equal(ep_deliver_close(dl, &st), EP_EIO);
	assert_int_equal(st.dropped, (uint64_t)refused);
	assert_int_equal(st.sent + st.dropped, 100);
	fake_free(f);
}

static void test_slow_receiver_spills(void **state)
{
	struct fake *f = fake_new();
	struct ep_deliver *dl;
	struct ep_deliver_stats st;
	struct ep_deliver_opts o = {.queue_max = 100, .batch_max = 5, .close_wait_ms = 5000};
	struct ep_diag d = {0};
	char *dir = mkspool();

	(void)state;
	o.spool_dir = dir;
	f->delay_us = 20000; /* 250 events/s, and 1000/s arrive */
	assert_int_equal(ep_deliver_open(&dl, "fake://s", &fake_ops, f, &o, &d), 0);
	for (int i = 0; i < 300; i++) {
		push_range(dl, "ev", i, i + 1);
		usleep(1000);
	}
	f->delay_us = 0;
	assert_int_equal(ep_deliver_close(dl, &st), 0);
	assert_int_equal(st.dropped, 0);
	assert_true(st.spooled > 0); /* the queue spilled instead of dropping */
	assert_int_equal(st.sent, 300);
	assert_int_equal(f->n, 300);
	assert_all(f, "ev", 0, 300);
	rmspool(dir);
	fake_free(f);
}

static void test_partial_sends_lose_nothing(void **state)
{
	struct fake *f = fake_new();
	struct ep_deliver *dl;
	struct ep_deliver_stats st;
	struct ep_diag d = {0};

	(void)state;
	f->fail_every = 3; /* every third send takes half the batch, then fails */
	assert_int_equal(ep_deliver_open(&dl, "fake://f", &fake_ops, f, NULL, &d), 0);
	push_range(dl, "ev", 0, 2000);
	assert_int_equal(ep_deliver_close(dl, &st), 0);
	assert_int_equal(f->n, 2000); /* a taken prefix is final: no duplicates */
	assert_all(f, "ev", 0, 2000);
	assert_true(st.retries > 0);
	fake_free(f);
}

static void test_settle_resends_after_broken_connection(void **state)
{
	struct fake *f = fake_new();
	struct ep_deliver *dl;
	struct ep_deliver_stats st;
	struct ep_deliver_opts o = {.close_wait_ms = 3000};
	struct ep_diag d = {0};
	char *dir = mkspool();

	(void)state;
	o.spool_dir = dir;
	assert_int_equal(ep_deliver_open(&dl, "fake://g", &fake_settle_ops, f, &o, &d), 0);
	push_range(dl, "ev", 0, 500);
	f->health_eio = 2; /* the receiver died after taking them: unconfirmed */
	push_range(dl, "ev", 500, 1000);
	usleep(50000);
	assert_int_equal(ep_deliver_close(dl, &st), 0);
	assert_all(f, "ev", 0, 1000);
	assert_int_equal(st.sent, 1000);
	assert_int_equal(st.pending, 0);
	/* duplicates only of delivered ids */
	for (size_t k = 0; k < f->n; k++)
		assert_int_equal(strncmp(f->ids[k], "ev-0", 4), 0);
	rmspool(dir);
	fake_free(f);
}

static void test_spool_torn_tail_and_offset(void **state)
{
	struct ep_spool_seg s;
	struct ep_diag d = {0};
	struct fake *f = fake_new();
	struct ep_deliver *dl;
	struct ep_deliver_stats st;
	struct ep_deliver_opts o = {0};
	char *dir = mkspool();
	const char *ids[3] = {"ev-00000", "ev-00001", "ev-00002"};
	const void *data[3] = {"payload of ev-00000", "payload of ev-00001", "payload of ev-00002"};
	size_t lens[3] = {19, 19, 19};
	uint64_t first_end;
	int fd;

	(void)state;
	o.spool_dir = dir;
	assert_int_equal(ep_spool_seg_create(&s, dir, "fake://h", &d), 0);
	assert_int_equal(ep_spool_seg_append(&s, ids, data, lens, 3), 0);
	assert_int_equal(s.pending, 3);
	first_end = s.hdr + EP_SPOOL_REC_OVER + 8 + 19;
	assert_int_equal(ep_spool_seg_commit(&s, first_end, 1), 0); /* the first was sent */
	/* a crash mid-append: half a record at the end */
	fd = open(s.path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "\x30\x00\x00\x00\x08torn-rec", 13), 13);
	close(fd);
	ep_spool_seg_close(&s);

	assert_int_equal(ep_deliver_open(&dl, "fake://h", &fake_ops, f, &o, &d), 0);
	assert_int_equal(ep_deliver_close(dl, &st), 0);
	assert_int_equal(f->n, 2);
	assert_string_equal(f->ids[0], "ev-00001");
	assert_string_equal(f->ids[1], "ev-00002");
	assert_true(f->data_ok);
	assert_int_equal(st.replayed, 2);
	assert_int_equal(spool_files(dir), 0);
	rmspool(dir);
	fake_free(f);
}

static void test_spool_record_parse(void **state)
{
	uint8_t rec[64];
	struct ep_spool_rec r;
	uint32_t crc;

	(void)state;
	memset(rec, 0, sizeof(rec));
	rec[0] = 3; /* datalen 3 */
	rec[4] = 2; /* idlen 2 */
	memcpy(rec + 5, "idabc", 5);
	crc = ep_spool_crc32(0, rec, 10);
	for (int i = 0; i < 4; i++)
		rec[10 + i] = (uint8_t)(crc >> (8 * i));
	assert_int_equal(ep_spool_parse_rec(rec, 14, &r), 1);
	assert_int_equal(r.size, 14);
	assert_memory_equal(r.data, "abc", 3);
	assert_int_equal(ep_spool_parse_rec(rec, 13, &r), 0); /* incomplete */
	rec[7] ^= 1;
	assert_int_equal(ep_spool_parse_rec(rec, 14, &r), EP_EPARSE); /* checksum */
	rec[7] ^= 1;
	rec[3] = 0x10; /* datalen past the cap */
	assert_int_equal(ep_spool_parse_rec(rec, 14, &r), EP_EPARSE);
	/* CRC-32 check value */
	assert_int_equal(ep_spool_crc32(0, "123456789", 9), 0xcbf43926);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_in_order),
	    cmocka_unit_test(test_down_spools_then_replays_first),
	    cmocka_unit_test(test_spool_full_drops_counted),
	    cmocka_unit_test(test_no_spool_drops_counted),
	    cmocka_unit_test(test_queue_overflow_counted),
	    cmocka_unit_test(test_slow_receiver_spills),
	    cmocka_unit_test(test_partial_sends_lose_nothing),
	    cmocka_unit_test(test_settle_resends_after_broken_connection),
	    cmocka_unit_test(test_spool_torn_tail_and_offset),
	    cmocka_unit_test(test_spool_record_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
