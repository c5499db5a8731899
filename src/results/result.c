/* Names for states and reasons, and timestamp formatting. */
#include "results/result.h"

#include <stdio.h>
#include <time.h>

#include "base/buf.h"

const char *ep_state_name(enum ep_state s)
{
	static const char *const names[] = {
#define EP_STATE_NAME(n, s) s,
	    EP_STATE_MAP(EP_STATE_NAME)
#undef EP_STATE_NAME
	};
	return (unsigned)s < EP_STATE_COUNT ? names[s] : "unknown";
}

const char *ep_reason_name(enum ep_reason r)
{
	static const char *const names[] = {
#define EP_REASON_NAME(n, s) s,
	    EP_REASON_MAP(EP_REASON_NAME)
#undef EP_REASON_NAME
	};
	return (unsigned)r < EP_REASON_COUNT ? names[r] : "unknown";
}

void ep_time_format(uint64_t ns, char *out, size_t outlen)
{
	time_t secs = (time_t)(ns / 1000000000u);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	         (unsigned)(ns % 1000000000u / 1000u));
}

enum ep_reason ep_icmp_reason(int v6, unsigned type, unsigned code)
{
	if (type != (v6 ? 1u : 3u)) /* destination unreachable */
		return EP_REASON_HOST_UNREACH;
	if (code == 0)
		return EP_REASON_NET_UNREACH;
	if ((!v6 && code == 3) || (v6 && code == 4))
		return EP_REASON_PORT_UNREACH;
	if ((!v6 && (code == 9 || code == 10 || code == 13)) ||
	    (v6 && (code == 1 || code == 5 || code == 6)))
		return EP_REASON_ADMIN_PROHIBITED;
	return EP_REASON_HOST_UNREACH;
}

void ep_result_json_fields(struct ep_buf *b, const struct ep_result *r)
{
	char addr[EP_ADDRSTRLEN];

	ep_buf_adds(b, "\"address\":\"");
	ep_buf_adds(b, ep_addr_format(&r->t.addr, addr, sizeof(addr)));
	ep_buf_adds(b, "\",\"proto\":\"");
	ep_buf_adds(b, ep_proto_name(r->t.proto));
	ep_buf_adds(b, "\",\"port\":");
	ep_buf_addu(b, r->t.port);
	ep_buf_adds(b, ",\"state\":\"");
	ep_buf_adds(b, ep_state_name(r->state));
	ep_buf_adds(b, "\",\"reason\":\"");
	ep_buf_adds(b, ep_reason_name(r->reason));
	ep_buf_adds(b, "\",\"rtt_ms\":");
	if (r->rtt_ns)
		ep_buf_addfixed(b, (r->rtt_ns + 500) / 1000, 3);
	else
		ep_buf_adds(b, "null");
	ep_buf_adds(b, ",\"attempts\":");
	ep_buf_addu(b, r->attempts);
	if (r->probe) {
		ep_buf_adds(b, ",\"probe\":");
		ep_buf_json_str(b, r->probe);
	}
}
