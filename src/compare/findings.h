/* Findings: what differs between what is declared and what answers, each
 * with a stable id, a severity and its evidence. */
#ifndef EP_FINDINGS_H
#define EP_FINDINGS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config/portspec.h"

#define EP_FINDING_KINDS(X)                             \
	X(UNEXPECTED_OPEN, "unexpected_open")           \
	X(UNEXPLAINED_OPEN, "unexplained_open")         \
	X(DECLARED_UNREACHABLE, "declared_unreachable") \
	X(LATENT_EXPOSURE, "latent_exposure")

enum ep_finding_kind {
#define EP_FK_ENUM(n, s) EP_FINDING_##n,
	EP_FINDING_KINDS(EP_FK_ENUM)
#undef EP_FK_ENUM
};

enum ep_severity { EP_SEV_LOW, EP_SEV_MEDIUM, EP_SEV_HIGH, EP_SEV_CRITICAL };

/* A finding lists exactly the ports it is about: one range for a single
 * port, several for a latent exposure whose rule admits ports around open,
 * declared or intended ones.  More ranges than fit make more findings. */
#define EP_FINDING_MAX_RANGES 32
/* Room for ep_finding_ports_text of a full ranges[] ("65535-65535," each). */
#define EP_FINDING_PORTS_LEN 400

struct ep_port_span {
	uint16_t lo, hi;
};

struct ep_finding {
	enum ep_finding_kind kind;
	enum ep_severity severity;
	char id[17]; /* hex; from account, region, owner, proto, ports and kind */
	char account[16], region[32];
	char address[48];
	char interface[32];
	char owner[192]; /* cluster/service[/container], lb/NAME or the interface id */
	enum ep_proto proto;
	uint16_t lo, hi; /* the first and the last port covered; the ports are ranges[] */
	struct ep_port_span ranges[EP_FINDING_MAX_RANGES]; /* ascending, disjoint, not adjacent */
	unsigned nranges;                                  /* at least 1 */
	uint32_t nports;                                   /* ports in ranges[] */
	char rule[48]; /* latent_exposure: the deciding rule ("sg-1#2"), part of the id */
	/* what the public controls need (compare/checks.h); not part of the id */
	uint8_t world;      /* a world-open rule (0.0.0.0/0, ::/0) admits the ports */
	uint8_t default_sg; /* the deciding rule's group is named "default" */
	char message[256];
	char evidence[320];
	char first_seen[40], last_seen[40]; /* RFC 3339; first_seen from --baseline */
};

/* Owns its array. */
struct ep_findings {
	struct ep_finding *f;
	size_t n, cap;
};

const char *ep_finding_kind_name(enum ep_finding_kind k);
const char *ep_severity_name(enum ep_severity s);
int ep_severity_parse(const char *s, enum ep_severity *out);
/* Sets f's ports to the one range lo-hi. */
void ep_finding_set_ports(struct ep_finding *f, uint16_t lo, uint16_t hi);
/* Appends lo-hi (above every range so far; an adjacent range is merged).
 * Returns -1 when ranges[] is full (the caller starts another finding). */
int ep_finding_add_range(struct ep_finding *f, uint16_t lo, uint16_t hi);
/* "22", "7000-7002,7004-7010" into out (truncated with "..." if short). */
void ep_finding_ports_text(const struct ep_finding *f, char *out, size_t len);
/* Fills f->id from the identifying fields (SHA-256, first 64 bits). */
void ep_finding_make_id(struct ep_finding *f);
int ep_findings_add(struct ep_findings *fs, const struct ep_finding *f);
void ep_findings_free(struct ep_findings *fs);
/* Most severe first, then by address and port. */
void ep_findings_sort(struct ep_findings *fs);
void ep_finding_print(FILE *out, const struct ep_finding *f);
/* A GitHub Actions workflow command (::error or ::warning), escaped. */
void ep_finding_github(FILE *out, const struct ep_finding *f, int error);
/* One NDJSON line ({"type":"finding",...}). */
void ep_finding_json(FILE *out, const struct ep_finding *f, const char *scan_id);
struct ep_buf;
/* The same line, appended to b. */
int ep_finding_json_buf(struct ep_buf *b, const struct ep_finding *f, const char *scan_id);
const char *ep_finding_proto_name(const struct ep_finding *f);

#endif
