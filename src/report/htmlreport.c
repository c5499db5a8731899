/* The HTML report page (htmlreport.h).  Cost: O(findings x columns) for the
 * picture, whose columns are capped; the rest is linear in the findings and
 * open ports. */
#include "report/htmlreport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare/checks.h"
#include "config/cidr.h"

#define MAX_COLS 48 /* ports in the picture; beyond, the page says how many more */
#define MAX_ROWS 200

/* What a cell of the picture shows, worst first. */
enum cell {
	CELL_NONE,
	CELL_OK,          /* observed open; declared or allowed */
	CELL_LATENT,      /* admitted, nothing declares it; closed today */
	CELL_DOWN,        /* declared and admitted; does not answer */
	CELL_UNEXPLAINED, /* observed open; no rule admits the vantage */
	CELL_UNEXPECTED,  /* observed open; admitted; nothing declares it */
	CELL_COUNT
};

static const struct {
	const char *colour, *legend;
} cells[CELL_COUNT] = {
    [CELL_NONE] = {"#eeeeee", "nothing to report (not probed, or closed and not admitted)"},
    [CELL_OK] = {"#2e9e44", "observed open; declared or allowed"},
    [CELL_LATENT] = {"#e8c547", "admitted, nothing declares it; closed today (latent_exposure)"},
    [CELL_DOWN] = {"#f08c2e", "declared and admitted; does not answer (declared_unreachable)"},
    [CELL_UNEXPLAINED] = {"#8e5cc2",
                          "observed open; no rule admits this vantage (unexplained_open)"},
    [CELL_UNEXPECTED] = {"#d93a3a",
                         "observed open; admitted, nothing declares it (unexpected_open)"},
};

static const enum cell kind_cell[] = {
    [EP_FINDING_UNEXPECTED_OPEN] = CELL_UNEXPECTED,
    [EP_FINDING_UNEXPLAINED_OPEN] = CELL_UNEXPLAINED,
    [EP_FINDING_DECLARED_UNREACHABLE] = CELL_DOWN,
    [EP_FINDING_LATENT_EXPOSURE] = CELL_LATENT,
};

int ep_html_escape(struct ep_buf *b, const char *s)
{
	int rc = 0;

	for (const char *p = s; *p; p++) {
		switch (*p) {
		case '&':
			rc |= ep_buf_adds(b, "&amp;");
			break;
		case '<':
			rc |= ep_buf_adds(b, "&lt;");
			break;
		case '>':
			rc |= ep_buf_adds(b, "&gt;");
			break;
		case '"':
			rc |= ep_buf_adds(b, "&quot;");
			break;
		case '\'':
			rc |= ep_buf_adds(b, "&#39;");
			break;
		default:
			rc |= ep_buf_addc(b, *p);
		}
	}
	return rc;
}

static const char css[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;background:#fff}"
    "h1{font-size:1.6em}h2{margin-top:1.6em;border-bottom:1px solid #ccc}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;"
    "padding:.25em .5em;vertical-align:top;text-align:left}th{background:#f4f4f4}"
    ".sev{font-weight:bold;color:#fff;padding:0 .4em;border-radius:3px}"
    ".critical{background:#8b0000}.high{background:#d93a3a}.medium{background:#f08c2e}"
    ".low{background:#6b8fc7}code{font-size:.95em}.muted{color:#666}"
    ".sw{display:inline-block;width:1em;height:1em;vertical-align:middle;"
    "border:1px solid #999;margin-right:.4em}";

/* Findings in order of severity (worst first), then address and port. */
static int by_severity(const void *pa, const void *pb, void *arg)
{
	const struct ep_finding *f = arg;
	const struct ep_finding *a = &f[*(const size_t *)pa], *b = &f[*(const size_t *)pb];
	int c;

	if (a->severity != b->severity)
		return a->severity > b->severity ? -1 : 1;
	c = strcmp(a->address, b->address);
	return c ? c : (a->lo > b->lo) - (a->lo < b->lo);
}

static void esc(struct ep_buf *b, const char *s)
{
	ep_html_escape(b, s);
}

static void controls_cell(struct ep_buf *b, unsigned bits)
{
	const char *sep = "";

	for (size_t i = 0; i < ep_ncontrols; i++)
		if (bits & (1u << i)) {
			ep_buf_adds(b, sep);
			ep_buf_adds(b, "<span title=\"");
			esc(b, ep_controls[i].title);
			ep_buf_adds(b, "\">");
			esc(b, ep_controls[i].key);
			ep_buf_adds(b, "</span>");
			sep = "<br>";
		}
}

static int findings_section(struct ep_export *x, const struct ep_collect *c, const size_t *order)
{
	struct ep_buf *b = &x->buf;
	int rc = 0;
	int sev = -1;

	ep_buf_adds(b, "<h2 id=\"findings\">Findings by severity</h2>\n");
	if (c->findings.n == 0)
		ep_buf_adds(b, "<p>No findings.</p>\n");
	for (size_t k = 0; rc == 0 && k < c->findings.n; k++) {
		const struct ep_finding *f = &c->findings.f[order[k]];
		char ports[EP_FINDING_PORTS_LEN];

		if ((int)f->severity != sev) {
			if (sev >= 0)
				ep_buf_adds(b, "</table>\n");
			sev = (int)f->severity;
			ep_buf_printf(
			    b,
			    "<h3><span class=\"sev %s\">%s</span></h3>\n<table>"
			    "<tr><th>id</th><th>finding</th><th>address</th><th>ports</th>"
			    "<th>owner</th><th>what</th><th>evidence</th><th>controls</th>"
			    "</tr>\n",
			    ep_severity_name(f->severity), ep_severity_name(f->severity));
		}
		ep_finding_ports_text(f, ports, sizeof(ports));
		ep_buf_adds(b, "<tr id=\"f-");
		esc(b, f->id);
		ep_buf_adds(b, "\"><td><code>");
		esc(b, f->id);
		ep_buf_adds(b, "</code></td><td>");
		esc(b, ep_finding_kind_name(f->kind));
		ep_buf_adds(b, "</td><td>");
		esc(b, f->address);
		ep_buf_adds(b, "</td><td>");
		esc(b, ep_finding_proto_name(f));
		ep_buf_adds(b, "/");
		esc(b, ports);
		ep_buf_printf(b, " <span class=\"muted\">(%u)</span></td><td>", f->nports);
		esc(b, f->owner);
		ep_buf_adds(b, "<br><span class=\"muted\">");
		esc(b, f->account);
		ep_buf_adds(b, " ");
		esc(b, f->region);
		ep_buf_adds(b, "</span></td><td>");
		esc(b, f->message);
		ep_buf_adds(b, "</td><td>");
		esc(b, f->evidence);
		if (f->rule[0]) {
			ep_buf_adds(b, "<br><span class=\"muted\">rule ");
			esc(b, f->rule);
			ep_buf_adds(b, "</span>");
		}
		ep_buf_adds(b, "</td><td>");
		controls_cell(b, c->controls[order[k]]);
		ep_buf_adds(b, "</td></tr>\n");
		rc = ep_export_end(x);
	}
	if (sev >= 0)
		ep_buf_adds(b, "</table>\n");
	return rc ? rc : ep_export_end(x);
}

/* One row per (account, region, cluster or load balancer, service). */
struct group {
	char account[16], region[32], cluster[192], service[192];
	unsigned sev[4];
	unsigned n;
	char addresses[200];
};

static struct group *group_of(struct group *g, size_t *n, const struct ep_finding *f)
{
	struct ep_owner ow;
	const char *cluster, *service;

	ep_export_owner(f->owner, &ow);
	cluster = ow.kind == EP_OWNER_ECS  ? ow.cluster
	          : ow.kind == EP_OWNER_LB ? "(load balancer)"
	                                   : "(interface)";
	service = ow.kind == EP_OWNER_ECS ? ow.service : ow.name;
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(g[i].account, f->account) && !strcmp(g[i].region, f->region) &&
		    !strcmp(g[i].cluster, cluster) && !strcmp(g[i].service, service))
			return &g[i];
	g += (*n)++;
	memset(g, 0, sizeof(*g));
	snprintf(g->account, sizeof(g->account), "%s", f->account);
	snprintf(g->region, sizeof(g->region), "%s", f->region);
	snprintf(g->cluster, sizeof(g->cluster), "%s", cluster);
	snprintf(g->service, sizeof(g->service), "%s", service);
	return g;
}

static int owners_section(struct ep_export *x, const struct ep_collect *c)
{
	struct ep_buf *b = &x->buf;
	struct group *g = calloc(c->findings.n ? c->findings.n : 1, sizeof(*g));
	size_t n = 0;

	if (g == NULL)
		return EP_ENOMEM;
	for (size_t i = 0; i < c->findings.n; i++) {
		const struct ep_finding *f = &c->findings.f[i];
		struct group *r = group_of(g, &n, f);
		size_t len = strlen(r->addresses);

		r->sev[f->severity]++;
		r->n++;
		if (!strstr(r->addresses, f->address) &&
		    len + strlen(f->address) + 3 < sizeof(r->addresses))
			snprintf(r->addresses + len, sizeof(r->addresses) - len, "%s%s",
			         len ? ", " : "", f->address);
	}
	ep_buf_adds(b, "<h2 id=\"owners\">By account, cluster and service</h2>\n<table><tr>"
	               "<th>account</th><th>region</th><th>cluster</th><th>service or owner</th>"
	               "<th>addresses</th><th>critical</th><th>high</th><th>medium</th>"
	               "<th>low</th><th>findings</th></tr>\n");
	for (size_t i = 0; i < n; i++) {
		ep_buf_adds(b, "<tr><td>");
		esc(b, g[i].account);
		ep_buf_adds(b, "</td><td>");
		esc(b, g[i].region);
		ep_buf_adds(b, "</td><td>");
		esc(b, g[i].cluster);
		ep_buf_adds(b, "</td><td>");
		esc(b, g[i].service);
		ep_buf_adds(b, "</td><td>");
		esc(b, g[i].addresses);
		ep_buf_printf(b,
		              "</td><td>%u</td><td>%u</td><td>%u</td><td>%u</td><td>%u</td></tr>\n",
		              g[i].sev[EP_SEV_CRITICAL], g[i].sev[EP_SEV_HIGH],
		              g[i].sev[EP_SEV_MEDIUM], g[i].sev[EP_SEV_LOW], g[i].n);
	}
	ep_buf_adds(b, "</table>\n");
	free(g);
	return ep_export_end(x);
}

/* A column of the picture: one port, or one range of a finding. */
struct col {
	enum ep_proto proto;
	uint16_t lo, hi;
};

static int add_col(struct col *cols, size_t *n, size_t *more, enum ep_proto p, uint16_t lo,
                   uint16_t hi)
{
	for (size_t i = 0; i < *n; i++)
		if (cols[i].proto == p && cols[i].lo == lo && cols[i].hi == hi)
			return 0;
	if (*n == MAX_COLS) {
		(*more)++;
		return 0;
	}
	cols[(*n)++] = (struct col){p, lo, hi};
	return 0;
}

static int col_cmp(const void *pa, const void *pb)
{
	const struct col *a = pa, *b = pb;

	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	return (a->lo > b->lo) - (a->lo < b->lo);
}

static enum cell cell_of(const struct ep_collect *c, const struct ep_host *h, const char *addr,
                         const struct col *col)
{
	enum cell worst = CELL_NONE;

	for (size_t i = 0; i < c->findings.n; i++) {
		const struct ep_finding *f = &c->findings.f[i];

		if (f->proto != col->proto || strcmp(f->address, addr) != 0)
			continue;
		for (unsigned r = 0; r < f->nranges; r++)
			if (f->ranges[r].lo <= col->hi && col->lo <= f->ranges[r].hi &&
			    kind_cell[f->kind] > worst)
				worst = kind_cell[f->kind];
	}
	if (worst != CELL_NONE || h == NULL)
		return worst;
	for (size_t i = 0; i < c->hosts.nopen; i++) {
		const struct ep_open_port *o = &c->hosts.open[i];

		if (o->proto == col->proto && o->port >= col->lo && o->port <= col->hi &&
		    ep_addr_cmp(&o->addr, &h->addr) == 0)
			return CELL_OK;
	}
	return CELL_NONE;
}

/* The owner a row is labelled with: the shortest owner any finding on the
 * address names (a service before its container). */
static const char *row_owner(const struct ep_collect *c, const char *addr)
{
	const char *best = NULL;

	for (size_t i = 0; i < c->findings.n; i++)
		if (strcmp(c->findings.f[i].address, addr) == 0 &&
		    (best == NULL || strlen(c->findings.f[i].owner) < strlen(best)))
			best = c->findings.f[i].owner;
	return best ? best : "";
}

static int picture(struct ep_export *x, const struct ep_collect *c, const struct ep_host **hosts,
                   size_t nhosts)
{
	struct ep_buf *b = &x->buf;
	struct col cols[MAX_COLS];
	size_t ncols = 0, more = 0, rows = nhosts < MAX_ROWS ? nhosts : MAX_ROWS;
	const int left = 330, top = 90, cw = 22, ch = 22;
	char addr[EP_ADDRSTRLEN], label[64];

	for (size_t i = 0; i < c->findings.n; i++)
		for (unsigned r = 0; r < c->findings.f[i].nranges; r++)
			add_col(cols, &ncols, &more, c->findings.f[i].proto,
			        c->findings.f[i].ranges[r].lo, c->findings.f[i].ranges[r].hi);
	for (size_t i = 0; i < c->hosts.nopen; i++)
		add_col(cols, &ncols, &more, c->hosts.open[i].proto, c->hosts.open[i].port,
		        c->hosts.open[i].port);
	qsort(cols, ncols, sizeof(cols[0]), col_cmp);
	ep_buf_adds(b, "<h2 id=\"picture\">Services &times; ports</h2>\n");
	ep_buf_printf(b,
	              "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"%d\" "
	              "height=\"%d\" aria-label=\"services by ports, coloured by state\">\n",
	              left + (int)ncols * cw + 20, top + (int)rows * ch + 10);
	for (size_t j = 0; j < ncols; j++) {
		if (cols[j].lo == cols[j].hi)
			snprintf(label, sizeof(label), "%s/%u", ep_proto_name(cols[j].proto),
			         cols[j].lo);
		else
			snprintf(label, sizeof(label), "%s/%u-%u", ep_proto_name(cols[j].proto),
			         cols[j].lo, cols[j].hi);
		ep_buf_printf(
		    b, "<text x=\"%d\" y=\"%d\" font-size=\"11\" transform=\"rotate(-60 %d %d)\">",
		    left + (int)j * cw + 8, top - 4, left + (int)j * cw + 8, top - 4);
		esc(b, label);
		ep_buf_adds(b, "</text>\n");
	}
	for (size_t i = 0; i < rows; i++) {
		const char *owner;

		ep_addr_format(&hosts[i]->addr, addr, sizeof(addr));
		owner = row_owner(c, addr);
		ep_buf_printf(b, "<text x=\"4\" y=\"%d\" font-size=\"12\">",
		              top + (int)i * ch + 15);
		esc(b, addr);
		if (owner[0]) {
			ep_buf_adds(b, " (");
			esc(b, owner);
			ep_buf_adds(b, ")");
		}
		ep_buf_adds(b, "</text>\n");
		for (size_t j = 0; j < ncols; j++) {
			enum cell k = cell_of(c, hosts[i], addr, &cols[j]);

			ep_buf_printf(
			    b,
			    "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" "
			    "stroke=\"#fff\"><title>",
			    left + (int)j * cw, top + (int)i * ch, cw, ch, cells[k].colour);
			esc(b, cells[k].legend);
			ep_buf_adds(b, "</title></rect>\n");
		}
		if (ep_export_end(x))
			return EP_EIO;
	}
	ep_buf_adds(b, "</svg>\n<p>");
	for (int k = CELL_UNEXPECTED; k >= CELL_NONE; k--) {
		ep_buf_printf(b, "<span class=\"sw\" style=\"background:%s\"></span>",
		              cells[k].colour);
		esc(b, cells[k].legend);
		ep_buf_adds(b, "<br>\n");
	}
	ep_buf_adds(b, "</p>\n");
	if (more || nhosts > rows)
		ep_buf_printf(b,
		              "<p class=\"muted\">Not drawn: %zu more port columns, %zu more "
		              "addresses (the tables list every finding).</p>\n",
		              more, nhosts - rows);
	return ep_export_end(x);
}

int ep_html_report_write(struct ep_export *x, const struct ep_html_meta *m, struct ep_collect *c)
{
	struct ep_buf *b = &x->buf;
	const struct ep_host **hosts;
	size_t nhosts = 0, *order = calloc(c->findings.n + 1, sizeof(*order));
	unsigned sev[4] = {0};
	int rc;

	if (order == NULL)
		return EP_ENOMEM;
	for (size_t i = 0; i < c->findings.n; i++) {
		order[i] = i;
		sev[c->findings.f[i].severity]++;
	}
	qsort_r(order, c->findings.n, sizeof(*order), by_severity, c->findings.f);
	ep_hosttable_sort(&c->hosts);
	hosts = ep_collect_hosts(c, &nhosts);
	ep_buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	               "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	               "style-src 'unsafe-inline'; img-src data:\">"
	               "<title>ecsprobe report ");
	esc(b, m->scan_id);
	ep_buf_printf(b, "</title><style>%s</style></head><body>\n<h1>ecsprobe report</h1>\n<p>",
	              css);
	ep_buf_adds(b, "Scan <code>");
	esc(b, m->scan_id);
	ep_buf_adds(b, "</code>, started ");
	esc(b, m->started[0] ? m->started : "(unknown)");
	ep_buf_adds(b, ", mode ");
	esc(b, m->mode[0] ? m->mode : "(unknown)");
	ep_buf_adds(b, ", ecsprobe ");
	esc(b, m->version[0] ? m->version : "(unknown)");
	ep_buf_printf(b,
	              ".<br>%llu results on %zu addresses: %llu open, %llu closed, %llu filtered, "
	              "%llu open|filtered%s.<br>%zu findings: %u critical, %u high, %u medium, "
	              "%u low.</p>\n",
	              (unsigned long long)c->results, nhosts,
	              (unsigned long long)c->counts[EP_STATE_OPEN],
	              (unsigned long long)c->counts[EP_STATE_CLOSED],
	              (unsigned long long)c->counts[EP_STATE_FILTERED],
	              (unsigned long long)c->counts[EP_STATE_OPEN_FILTERED],
	              m->complete == 0 ? " (the scan was incomplete)" : "", c->findings.n,
	              sev[EP_SEV_CRITICAL], sev[EP_SEV_HIGH], sev[EP_SEV_MEDIUM], sev[EP_SEV_LOW]);
	rc = ep_export_end(x);
	if (rc == 0)
		rc = picture(x, c, hosts, nhosts);
	if (rc == 0)
		rc = findings_section(x, c, order);
	if (rc == 0)
		rc = owners_section(x, c);
	ep_buf_adds(b, "<p class=\"muted\">Controls: <code>ecsprobe checks</code> lists each "
	               "finding kind, its fix and the public controls it maps to.</p>\n"
	               "</body></html>\n");
	if (rc == 0)
		rc = ep_export_end(x);
	free(hosts);
	free(order);
	return rc;
}
