/* Progress line.  Redrawn in place with \r and "erase to end of line". */
#include "report/progress.h"

#include "results/losstally.h"

/* "1h50m06s", "3m05s", "42s": "110:06" read as hours or minutes alike */
static void duration(char *out, size_t len, unsigned long long s)
{
	if (s >= 3600)
		snprintf(out, len, "%lluh%02llum%02llus", s / 3600, s / 60 % 60, s % 60);
	else if (s >= 60)
		snprintf(out, len, "%llum%02llus", s / 60, s % 60);
	else
		snprintf(out, len, "%llus", s);
}

static void draw(struct ep_progress *p)
{
	struct ep_progress_snapshot s = {0};
	uint64_t now = uv_hrtime();
	double dt = (double)(now - p->last_ns) / 1e9;
	double inst, eta;
	char left[32], loss[32];

	p->read(p->arg, &s);
	inst = dt > 0 ? (double)(s.done - p->last_done) / dt : 0;
	p->pps = p->shown ? 0.7 * p->pps + 0.3 * inst : inst;
	p->last_done = s.done;
	p->last_ns = now;
	eta = p->pps > 0 && p->total > s.done ? (double)(p->total - s.done) / p->pps : 0;
	duration(left, sizeof(left), (unsigned long long)eta);
	ep_loss_format(s.loss_tries, s.loss_lost, loss, sizeof(loss));
	fprintf(p->out, "\r\033[K%llu/%llu (%.1f%%)  %.0f probes/s  open %llu  loss %s  %s left%s",
	        (unsigned long long)s.done, (unsigned long long)p->total,
	        p->total ? 100.0 * (double)s.done / (double)p->total : 100.0, p->pps,
	        (unsigned long long)s.open, loss, left, s.stopping ? "  (stopping)" : "");
	fflush(p->out);
	p->shown = 1;
}

static void on_tick(uv_timer_t *t)
{
	draw(t->data);
}

void ep_progress_start(struct ep_progress *p, uv_loop_t *loop, uint64_t total,
                       ep_progress_read_cb read, void *arg, FILE *out)
{
	p->read = read;
	p->arg = arg;
	p->out = out;
	p->total = total;
	p->last_done = 0;
	p->last_ns = uv_hrtime();
	p->pps = 0;
	p->shown = 0;
	uv_timer_init(loop, &p->timer);
	p->timer.data = p;
	uv_timer_start(&p->timer, on_tick, 250, 250);
}

void ep_progress_stop(struct ep_progress *p)
{
	if (p->shown) {
		fputs("\r\033[K", p->out);
		fflush(p->out);
	}
	uv_close((uv_handle_t *)&p->timer, NULL);
}
