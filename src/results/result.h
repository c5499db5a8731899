/* What a probe found, and the scan-level records around the results.
 * Plain data: no ownership beyond the structs themselves. */
#ifndef EP_RESULT_H
#define EP_RESULT_H

#include <stdint.h>

#include "model/targets.h"

#define EP_STATE_MAP(X)         \
	X(OPEN, "open")         \
	X(CLOSED, "closed")     \
	X(FILTERED, "filtered") \
	X(OPEN_FILTERED, "open|filtered")

enum ep_state {
#define EP_STATE_ENUM(n, s) EP_STATE_##n,
	EP_STATE_MAP(EP_STATE_ENUM)
#undef EP_STATE_ENUM
	    EP_STATE_COUNT
};

/* Why a state was chosen; the names are part of the NDJSON schema. */
#define EP_REASON_MAP(X)                        \
	X(SYN_ACK, "syn-ack")                   \
	X(CONN_REFUSED, "conn-refused")         \
	X(TIMEOUT, "no-response")               \
	X(HOST_UNREACH, "host-unreach")         \
	X(NET_UNREACH, "net-unreach")           \
	X(ADMIN_PROHIBITED, "admin-prohibited") \
	X(SELF_CONNECT, "self-connect")         \
	X(RST, "rst")                           \
	X(PORT_UNREACH, "port-unreach")         \
	X(UDP_RESPONSE, "udp-response")         \
	X(ERROR, "error")                       \
	X(RESOURCE, "resource")

enum ep_reason {
#define EP_REASON_ENUM(n, s) EP_REASON_##n,
	EP_REASON_MAP(EP_REASON_ENUM)
#undef EP_REASON_ENUM
	    EP_REASON_COUNT
};

struct ep_result {
	struct ep_target t;
	enum ep_state state;
	enum ep_reason reason;
	uint64_t rtt_ns; /* connect start to answer; 0 when none came */
	uint64_t ts_ns;  /* wall clock (CLOCK_REALTIME) of the answer */
	unsigned attempts;
	const char *probe; /* UDP: the payload that was sent (static for the scan), or NULL */
};

/* Measured loss: over targets that answered, the attempts spent and how
 * many of them went unanswered before the one that was (a target answered
 * on attempt k lost k-1).  lost/tries estimates the chance that one attempt
 * is lost; the networks are the lossiest (IPv4 /24, IPv6 /64). */
#define EP_LOSS_NETS 8
struct ep_loss_net {
	struct ep_addr net;
	unsigned prefix;
	uint64_t tries, lost;
};
struct ep_loss_report {
	uint64_t tries, lost;
	uint64_t extra;     /* retries beyond the floor, sent because of measured loss */
	uint64_t slowdowns; /* rate cuts because loss rose with the rate */
	unsigned nnets;
	struct ep_loss_net net[EP_LOSS_NETS];
};

/* Fixed facts about a scan, known before the first probe. */
struct ep_scan_info {
	char scan_id[40];
	char mode[24];
	uint64_t seed;
	double rate;
	uint64_t probes_total;
	uint64_t nhosts;
	uint64_t started_ns; /* CLOCK_REALTIME */
	unsigned timeout_ms;
	unsigned min_timeout_ms;
	unsigned retries;
	unsigned max_inflight;
	int ntargets_groups;
	char plan[17];                     /* fingerprint of the targets (ep_targets_fingerprint) */
	unsigned shard_index, shard_count; /* --shard I/N: 0-based index; count 0 or 1: whole */
};

struct ep_summary {
	const struct ep_scan_info *info;
	uint64_t probes_sent; /* probe attempts, retries included */
	uint64_t results;     /* targets with a final state */
	uint64_t counts[EP_STATE_COUNT];
	uint64_t unfinished; /* targets never measured (interrupted) */
	uint64_t backoffs;   /* resource shortages that paused sending */
	/* raw probers only (has_capture): what the capture saw */
	int has_capture;
	uint64_t cap_received; /* packets that passed the kernel filter */
	uint64_t cap_dropped;  /* lost in the capture ring (pcap_stats ps_drop) */
	uint64_t cap_ifdropped;
	uint64_t reserved_bytes; /* set aside for probes in flight and capture rings */
	uint64_t invalid;        /* passed the filter but failed cookie validation */
	uint64_t late;           /* valid answers to probes already finished (duplicates, late) */
	double duration_s;
	double sending_s; /* until every target had its first probe: the send phase */
	double wait_ms; /* the adaptive wait for answers at the end (the longest of the engines) */
	struct ep_loss_report loss;
	int complete;
	int interrupted;
};

const char *ep_state_name(enum ep_state s);
const char *ep_reason_name(enum ep_reason r);
struct ep_buf;
/* The result's own fields as JSON members, from "address" to "attempts"
 * (and "probe"), for the NDJSON line and the HEC event; printf-free.  A
 * full buffer shows in the caller's next append. */
void ep_result_json_fields(struct ep_buf *b, const struct ep_result *r);
/* Why an ICMP error (v4 type/code, or ICMPv6 when v6) stopped a probe:
 * destination unreachable by its code; anything else is host-unreach. */
enum ep_reason ep_icmp_reason(int v6, unsigned type, unsigned code);
/* Wall-clock nanoseconds as RFC 3339 UTC with microseconds into out[32]. */
void ep_time_format(uint64_t ns, char *out, size_t outlen);

#endif
