/* `ecsprobe probes`: loads the probe payload files and lists them, as a table
 * or one JSON object per line.  A malformed file is one "file:line:col:
 * message" line on stderr and exit 2.  Sends nothing. */
#include "probes_cmd.h"

#include "cmdutil.h"

#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "probe/payloads.h"

struct probes_opts {
	const char *dir;
	int json;
};

enum { PR_DIR = 1, PR_JSON };

static const struct ep_opt probes_opts[] = {
    {"probes-dir", 0, 1, PR_DIR, "DIR",
     "read DIR instead of $ECSPROBE_PROBES_DIR, the installed probes directory or the "
     "source tree's probes/",
     "dir"},
    {"json", 0, 0, PR_JSON, NULL, "one JSON object per probe and line", NULL},
};

static int apply(void *ctx, int id, const char *val, struct ep_diag *d)
{
	struct probes_opts *o = ctx;

	(void)d;
	if (id == PR_DIR)
		o->dir = val;
	else
		o->json = 1;
	return 0;
}

static const struct ep_optgroup probes_group = {
    "Probes", probes_opts, sizeof(probes_opts) / sizeof(probes_opts[0]), apply};

const struct ep_cmdline ep_probes_cmdline = {
    "probes",
    "[--probes-dir DIR] [--json]",
    "Load the UDP probe payload files (*.probe; format in probes/README.md) and\n"
    "list them: name, protocol and ports, payload size, rarity, whether a reply\n"
    "matcher is set, and the file.  Sends nothing.\n",
    NULL,
    {&probes_group, &ep_common_group, NULL},
    "Exit status: 0 done, 2 usage error or a malformed probe file.\n",
};

static void ports_text(const struct ep_payloads *s, const struct ep_payload *p, char *out,
                       size_t outlen)
{
	if (p == s->generic)
		snprintf(out, outlen, "*");
	else
		ep_portset_format(&p->ports, out, outlen);
}

static int print_json(const struct ep_payloads *s, const struct ep_payload *p)
{
	static const char hex[] = "0123456789abcdef";
	struct ep_buf b;
	char ports[1024];
	int rc = 0;

	ports_text(s, p, ports, sizeof(ports));
	ep_buf_init(&b, 16 * EP_PAYLOAD_MAX);
	rc |= ep_buf_adds(&b, "{\"name\":");
	rc |= ep_buf_json_str(&b, p->name);
	rc |= ep_buf_printf(&b, ",\"proto\":\"%s\",\"ports\":", ep_proto_name(p->proto));
	rc |= ep_buf_json_str(&b, ports);
	rc |= ep_buf_printf(&b, ",\"generic\":%s,\"bytes\":%zu,\"rarity\":%u,\"matcher\":%s",
	                    p == s->generic ? "true" : "false", p->len, p->rarity,
	                    p->match_len ? "true" : "false");
	rc |= ep_buf_adds(&b, ",\"file\":");
	rc |= ep_buf_json_str(&b, p->file);
	rc |= ep_buf_printf(&b, ",\"line\":%u,\"payload_hex\":\"", p->line);
	for (size_t i = 0; i < p->len; i++) {
		rc |= ep_buf_addc(&b, hex[p->data[i] >> 4]);
		rc |= ep_buf_addc(&b, hex[p->data[i] & 15]);
	}
	rc |= ep_buf_adds(&b, "\"}\n");
	if (rc == 0)
		fputs(b.data, stdout);
	ep_buf_free(&b);
	return rc ? EP_ENOMEM : 0;
}

static int list(const struct ep_payloads *s, int json)
{
	char ports[1024];
	int rc = 0;

	if (!json)
		printf("%-24s %-5s %-20s %5s %6s %-5s %s\n", "NAME", "PROTO", "PORTS", "BYTES",
		       "RARITY", "MATCH", "FILE");
	for (size_t i = 0; i < s->n && rc == 0; i++) {
		const struct ep_payload *p = &s->p[i];

		if (json) {
			rc = print_json(s, p);
			continue;
		}
		ports_text(s, p, ports, sizeof(ports));
		printf("%-24s %-5s %-20s %5zu %6u %-5s %s:%u\n", p->name, ep_proto_name(p->proto),
		       ports, p->len, p->rarity, p->match_len ? "yes" : "no", p->file, p->line);
	}
	if (!json && rc == 0)
		printf("\n%zu probes; generic (other ports): %s\n", s->n,
		       s->generic ? s->generic->name : "none");
	return rc;
}

int ep_cmd_probes(int argc, char **argv)
{
	struct ep_payloads set = {0};
	struct ep_diag d = {0};
	struct probes_opts o = {NULL, 0};
	struct ep_common_opts common = {0};
	void *ctx[] = {&o, &common};
	const char *dir;
	char line[600];
	int npos, rc, status;

	status = ep_cmd_parse(&ep_probes_cmdline, ctx, &common, argc, argv, NULL, &npos);
	if (status >= 0)
		return status;
	dir = o.dir;
	if (dir == NULL)
		dir = ep_payloads_default_dir();
	rc = ep_payloads_load_dir(&set, dir, &d);
	if (rc) {
		ep_diag_format(&d, line, sizeof(line));
		fprintf(stderr, "ecsprobe: %s\n", line);
		return 2;
	}
	rc = list(&set, o.json);
	ep_payloads_free(&set);
	if (fflush(stdout) || rc) {
		fprintf(stderr, "ecsprobe: cannot write the list\n");
		return 2;
	}
	return 0;
}
