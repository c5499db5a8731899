/* nmap XML sink: the document nmap -oX writes (valid against nmap's
 * nmap.dtd, read by ndiff, DefectDojo, Faraday, ivre, Metasploit), written
 * whole at close.  Hosts in address order, each with its closed, filtered and
 * open|filtered ports as <extraports> counts and its open ports listed; a
 * host's verify findings are a <hostscript> <script id="ecsprobe-findings">
 * whose output has a line per finding and whose <table key="ID">s hold
 * their fields, so ndiff shows findings that come and go.  The DTD fixes scanner="nmap";
 * args and the <verbose>/<debugging> levels say ecsprobe wrote it.  All text
 * goes through libxml2's xmlTextWriter (escaping).  Memory: report/collect.h. */
#include <libxml/xmlwriter.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare/checks.h"
#include "config/cidr.h"
#include "report/collect.h"
#include "report/export.h"
#include "report/sink.h"

#define MAX_HOSTS (1u << 20)

struct nmapxml {
	struct ep_export x; /* first: ep_export_sink_flush takes the state */
	const struct ep_scan_info *info;
	struct ep_collect c;
};

static int nx_open(const struct ep_sink_args *a, void **state, struct ep_diag *d)
{
	struct nmapxml *n = calloc(1, sizeof(*n));
	int rc;

	if (n == NULL)
		return EP_ENOMEM;
	rc = ep_export_open(&n->x, "nmap-xml", a->dest, d);
	if (rc) {
		free(n);
		return rc;
	}
	n->info = a->info;
	ep_collect_init(&n->c, MAX_HOSTS);
	*state = n;
	return 0;
}

static int nx_result(void *state, const struct ep_result *r)
{
	struct nmapxml *n = state;

	return ep_collect_result(&n->c, r);
}

static int nx_finding(void *state, const struct ep_finding *f)
{
	struct nmapxml *n = state;

	return ep_collect_finding(&n->c, f, ep_checks_control_bits(f));
}

/* libxml2's output goes into the export buffer, written out as it fills. */
static int out_write(void *ctx, const char *data, int len)
{
	struct ep_export *x = ctx;

	if (ep_buf_add(&x->buf, data, (size_t)len) || ep_export_end(x))
		return -1;
	return len;
}

static int out_close(void *ctx)
{
	(void)ctx;
	return 0;
}

#define W(call)                  \
	do {                     \
		if ((call) < 0)  \
			rc = -1; \
	} while (0)

static void attr(xmlTextWriterPtr w, int *rcp, const char *name, const char *val)
{
	if (xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST val) < 0)
		*rcp = -1;
}

static void attru(xmlTextWriterPtr w, int *rcp, const char *name, uint64_t v)
{
	char t[24];

	snprintf(t, sizeof(t), "%llu", (unsigned long long)v);
	attr(w, rcp, name, t);
}

static void elem(xmlTextWriterPtr w, int *rcp, const char *key, const char *val)
{
	int rc = 0;

	W(xmlTextWriterStartElement(w, BAD_CAST "elem"));
	W(xmlTextWriterWriteAttribute(w, BAD_CAST "key", BAD_CAST key));
	W(xmlTextWriterWriteString(w, BAD_CAST val));
	W(xmlTextWriterEndElement(w));
	if (rc)
		*rcp = -1;
}

/* "1-1024,8080": the probed ports of one protocol, as nmap's services. */
static size_t services(const struct ep_collect *c, enum ep_proto p, char *out, size_t len)
{
	size_t used = 0, count = 0;

	out[0] = '\0';
	for (uint32_t port = 1; port <= 65535; port++) {
		uint32_t hi = port;
		int k;

		if (!ep_collect_probed(c, p, (uint16_t)port))
			continue;
		while (hi < 65535 && ep_collect_probed(c, p, (uint16_t)(hi + 1)))
			hi++;
		count += hi - port + 1;
		k = hi == port
		        ? snprintf(out + used, len - used, "%s%u", used ? "," : "", port)
		        : snprintf(out + used, len - used, "%s%u-%u", used ? "," : "", port, hi);
		if (k > 0 && (size_t)k < len - used)
			used += (size_t)k;
		port = hi;
	}
	return count;
}

static void scaninfo(xmlTextWriterPtr w, int *rcp, const struct nmapxml *n)
{
	enum { LEN = 400000 }; /* worst case, every other port ("1,3,5,..."): ~330 KB */
	char *text = malloc(LEN);
	int udp_mode = strstr(n->info->mode, "udp") != NULL;

	if (text == NULL) {
		*rcp = -1;
		return;
	}
	for (int p = EP_PROTO_TCP; p <= EP_PROTO_UDP; p++) {
		size_t count = services(&n->c, (enum ep_proto)p, text, LEN);

		if (count == 0 && (p == EP_PROTO_UDP || udp_mode))
			continue;
		xmlTextWriterStartElement(w, BAD_CAST "scaninfo");
		attr(w, rcp, "type",
		     p == EP_PROTO_UDP                       ? "udp"
		     : strncmp(n->info->mode, "syn", 3) == 0 ? "syn"
		                                             : "connect");
		attr(w, rcp, "protocol", p == EP_PROTO_UDP ? "udp" : "tcp");
		attru(w, rcp, "numservices", count);
		attr(w, rcp, "services", text);
		xmlTextWriterEndElement(w);
	}
	free(text);
}

/* One finding as a <table key="ID"> of <elem>s. */
static void finding_table(xmlTextWriterPtr w, int *rcp, const struct ep_finding *f,
                          unsigned controls)
{
	char ports[EP_FINDING_PORTS_LEN], num[16], list[400] = "";
	size_t used = 0;

	ep_finding_ports_text(f, ports, sizeof(ports));
	for (size_t i = 0; i < ep_ncontrols; i++)
		if (controls & (1u << i)) {
			int k = snprintf(list + used, sizeof(list) - used, "%s%s", used ? "," : "",
			                 ep_controls[i].key);

			if (k > 0 && (size_t)k < sizeof(list) - used)
				used += (size_t)k;
		}
	xmlTextWriterStartElement(w, BAD_CAST "table");
	attr(w, rcp, "key", f->id);
	elem(w, rcp, "id", f->id);
	elem(w, rcp, "kind", ep_finding_kind_name(f->kind));
	elem(w, rcp, "severity", ep_severity_name(f->severity));
	elem(w, rcp, "proto", ep_finding_proto_name(f));
	elem(w, rcp, "ports", ports);
	snprintf(num, sizeof(num), "%u", f->nports);
	elem(w, rcp, "port_count", num);
	elem(w, rcp, "owner", f->owner);
	elem(w, rcp, "account", f->account);
	elem(w, rcp, "region", f->region);
	if (f->interface[0])
		elem(w, rcp, "interface", f->interface);
	if (f->rule[0])
		elem(w, rcp, "rule", f->rule);
	elem(w, rcp, "message", f->message);
	elem(w, rcp, "evidence", f->evidence);
	if (list[0])
		elem(w, rcp, "controls", list);
	if (xmlTextWriterEndElement(w) < 0)
		*rcp = -1;
}

/* The host's findings as one <script id="ecsprobe-findings">: its output a
 * line per finding, a table per finding.  One script a host, because
 * Debian's ndiff (7.93, Python 3) fails sorting two scripts of one host. */
static void host_findings(xmlTextWriterPtr w, int *rcp, const struct ep_collect *c,
                          const char *addr)
{
	struct ep_buf out;
	int any = 0;

	ep_buf_init(&out, 1u << 24);
	for (size_t i = 0; i < c->findings.n; i++) {
		const struct ep_finding *f = &c->findings.f[i];
		char ports[EP_FINDING_PORTS_LEN];

		if (strcmp(f->address, addr) != 0)
			continue;
		ep_finding_ports_text(f, ports, sizeof(ports));
		ep_buf_printf(&out, "%s%s %s %s %s/%s: %s (evidence: %s; owner %s)",
		              any ? "\n" : "", f->id, ep_severity_name(f->severity),
		              ep_finding_kind_name(f->kind), ep_finding_proto_name(f), ports,
		              f->message, f->evidence, f->owner);
		any = 1;
	}
	if (any && out.data == NULL)
		*rcp = -1;
	if (any && out.data) {
		xmlTextWriterStartElement(w, BAD_CAST "hostscript");
		xmlTextWriterStartElement(w, BAD_CAST "script");
		attr(w, rcp, "id", "ecsprobe-findings");
		attr(w, rcp, "output", out.data);
		for (size_t i = 0; i < c->findings.n; i++)
			if (strcmp(c->findings.f[i].address, addr) == 0)
				finding_table(w, rcp, &c->findings.f[i], c->controls[i]);
		xmlTextWriterEndElement(w);
		if (xmlTextWriterEndElement(w) < 0)
			*rcp = -1;
	}
	ep_buf_free(&out);
}

static void port_elem(xmlTextWriterPtr w, int *rcp, const struct ep_open_port *o)
{
	const char *proto = o->proto == EP_PROTO_UDP ? "udp" : "tcp";
	struct servent *se = getservbyport(htons(o->port), proto);

	xmlTextWriterStartElement(w, BAD_CAST "port");
	attr(w, rcp, "protocol", proto);
	attru(w, rcp, "portid", o->port);
	xmlTextWriterStartElement(w, BAD_CAST "state");
	attr(w, rcp, "state", "open");
	attr(w, rcp, "reason", ep_reason_name(o->reason));
	attr(w, rcp, "reason_ttl", "0");
	xmlTextWriterEndElement(w);
	if (se || o->probe) {
		xmlTextWriterStartElement(w, BAD_CAST "service");
		attr(w, rcp, "name", se ? se->s_name : o->probe);
		attr(w, rcp, "method", se ? "table" : "probed");
		attr(w, rcp, "conf", se ? "3" : "10");
		xmlTextWriterEndElement(w);
	}
	if (xmlTextWriterEndElement(w) < 0)
		*rcp = -1;
}

static void host_elem(xmlTextWriterPtr w, int *rcp, const struct nmapxml *n,
                      const struct ep_host *h, size_t *open_at)
{
	static const char *const states[] = {"open", "closed", "filtered", "open|filtered"};
	const struct ep_hosttable *t = &n->c.hosts;
	char addr[EP_ADDRSTRLEN];

	ep_addr_format(&h->addr, addr, sizeof(addr));
	xmlTextWriterStartElement(w, BAD_CAST "host");
	xmlTextWriterStartElement(w, BAD_CAST "status");
	attr(w, rcp, "state", "up");
	attr(w, rcp, "reason", "user-set"); /* the inventory or the command line named it */
	attr(w, rcp, "reason_ttl", "0");
	xmlTextWriterEndElement(w);
	xmlTextWriterStartElement(w, BAD_CAST "address");
	attr(w, rcp, "addr", addr);
	attr(w, rcp, "addrtype", h->addr.family == 6 ? "ipv6" : "ipv4");
	xmlTextWriterEndElement(w);
	xmlTextWriterStartElement(w, BAD_CAST "ports");
	for (int s = EP_STATE_CLOSED; s < EP_STATE_COUNT; s++)
		if (h->counts[s]) {
			xmlTextWriterStartElement(w, BAD_CAST "extraports");
			attr(w, rcp, "state", states[s]);
			attru(w, rcp, "count", h->counts[s]);
			xmlTextWriterEndElement(w);
		}
	while (*open_at < t->nopen && ep_addr_cmp(&t->open[*open_at].addr, &h->addr) < 0)
		(*open_at)++;
	for (; *open_at < t->nopen && ep_addr_cmp(&t->open[*open_at].addr, &h->addr) == 0;
	     (*open_at)++)
		port_elem(w, rcp, &t->open[*open_at]);
	xmlTextWriterEndElement(w); /* ports */
	host_findings(w, rcp, &n->c, addr);
	if (xmlTextWriterEndElement(w) < 0)
		*rcp = -1;
}

static int write_doc(struct nmapxml *n, const struct ep_summary *s)
{
	xmlOutputBufferPtr ob = xmlOutputBufferCreateIO(out_write, out_close, &n->x, NULL);
	xmlTextWriterPtr w;
	const struct ep_host **hosts;
	size_t nhosts = 0, open_at = 0;
	uint64_t start = n->info->started_ns / 1000000000u;
	char args[200], when[40], summary[200];
	int rc = 0;

	if (ob == NULL)
		return EP_ENOMEM;
	w = xmlNewTextWriter(ob);
	if (w == NULL) {
		xmlOutputBufferClose(ob);
		return EP_ENOMEM;
	}
	xmlTextWriterSetIndent(w, 1);
	ep_hosttable_sort(&n->c.hosts);
	hosts = ep_collect_hosts(&n->c, &nhosts);
	snprintf(args, sizeof(args), "ecsprobe %s (scan %s, plan %s)", PACKAGE_VERSION,
	         n->info->scan_id, n->info->plan);
	ep_time_format(n->info->started_ns, when, sizeof(when));
	W(xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL));
	W(xmlTextWriterWriteDTD(w, BAD_CAST "nmaprun", NULL, NULL, NULL));
	W(xmlTextWriterStartElement(w, BAD_CAST "nmaprun"));
	attr(w, &rc, "scanner", "nmap"); /* the DTD allows no other value */
	attr(w, &rc, "args", args);
	attru(w, &rc, "start", start);
	attr(w, &rc, "startstr", when);
	attr(w, &rc, "version", PACKAGE_VERSION);
	attr(w, &rc, "xmloutputversion", "1.05");
	scaninfo(w, &rc, n);
	W(xmlTextWriterStartElement(w, BAD_CAST "verbose"));
	attr(w, &rc, "level", "0");
	W(xmlTextWriterEndElement(w));
	W(xmlTextWriterStartElement(w, BAD_CAST "debugging"));
	attr(w, &rc, "level", "0");
	W(xmlTextWriterEndElement(w));
	for (size_t i = 0; i < nhosts; i++)
		host_elem(w, &rc, n, hosts[i], &open_at);
	free(hosts);
	W(xmlTextWriterStartElement(w, BAD_CAST "runstats"));
	W(xmlTextWriterStartElement(w, BAD_CAST "finished"));
	attru(w, &rc, "time", start + (uint64_t)s->duration_s);
	attr(w, &rc, "elapsed", "0");
	snprintf(summary, sizeof(summary), "ecsprobe done: %zu hosts, %llu results, %zu findings%s",
	         nhosts, (unsigned long long)n->c.results, n->c.findings.n,
	         s->complete ? "" : " (incomplete)");
	attr(w, &rc, "summary", summary);
	attr(w, &rc, "exit", s->complete ? "success" : "error");
	W(xmlTextWriterEndElement(w));
	W(xmlTextWriterStartElement(w, BAD_CAST "hosts"));
	attru(w, &rc, "up", nhosts);
	attr(w, &rc, "down", "0");
	attru(w, &rc, "total", nhosts);
	W(xmlTextWriterEndElement(w));
	W(xmlTextWriterEndElement(w)); /* runstats */
	W(xmlTextWriterEndDocument(w));
	xmlFreeTextWriter(w); /* closes ob */
	return rc ? EP_EIO : 0;
}

static int nx_close(void *state, const struct ep_summary *s)
{
	struct nmapxml *n = state;
	int rc = write_doc(n, s);

	if (ep_export_close(&n->x))
		rc = EP_EIO;
	ep_collect_free(&n->c);
	free(n);
	return rc;
}

const struct ep_sink_ops ep_sink_nmapxml = {
    .name = "nmap-xml",
    .help = "nmap's XML (-oX) at the end: hosts, open ports, other states counted; findings "
            "as host scripts (nmap-xml:PATH, - for stdout; ndiff reads it)",
    .open = nx_open,
    .result = nx_result,
    .finding = nx_finding,
    .close = nx_close,
};
