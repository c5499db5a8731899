/* Progress line.  Redrawn in place with \r and "erase to end of line". */
#include "report/progress.h"

static void draw(struct ep_progress *p)
{
	const struct ep_engine *e = p->engine;
	uint64_t now = uv_hrtime();
	uint64_t done = e->results;
	double dt = (double)(now - p->last_ns) / 1e9;
	double inst = dt > 0 ? (double)(e->sent - p->last_sent) / dt : 0;
	double eta;
	unsigned long long eta_s;

	p->pps = p->shown ? 0.7 * p->pps + 0.3 * inst : inst;
	p->last_sent = e->sent;
	p->last_ns = now;
	eta = p->pps > 0 && p->total > done ? (double)(p->total - done) / p->pps : 0;
	eta_s = (unsigned long long)eta;
	fprintf(p->out, "\r\033[K%llu/%llu (%.1f%%)  %.0f probes/s  open %llu  in flight %u  ETA %llu:%02llu%s",
	        (unsigned long long)done, (unsigned long long)p->total,
	        p->total ? 100.0 * (double)done / (double)p->total : 100.0, p->pps,
	        (unsigned long long)e->counts[EP_STATE_OPEN], e->inflight, eta_s / 60, eta_s % 60,
	        e->stopping ? "  (stopping)" : "");
	fflush(p->out);
	p->shown = 1;
}

static void on_tick(uv_timer_t *t)
{
	draw(t->data);
}

void ep_progress_start(struct ep_progress *p, uv_loop_t *loop, const struct ep_engine *e,
                       uint64_t total, FILE *out)
{
	p->engine = e;
	p->out = out;
	p->total = total;
	p->last_sent = 0;
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
