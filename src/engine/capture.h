/* Packet capture with libpcap on the libuv loop: immediate mode, a large
 * ring, a kernel BPF filter, and the pcap descriptor polled by uv_poll, so
 * replies are read as soon as they land and the loop never blocks on an idle
 * capture.  The struct is embedded by its owner (a raw prober). */
#ifndef EP_CAPTURE_H
#define EP_CAPTURE_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef void (*ep_capture_cb)(void *arg, int dlt, const uint8_t *frame, size_t caplen);

struct ep_capture {
	struct pcap *pcap;
	int dlt;
	uv_poll_t poll;
	ep_capture_cb cb;
	void *arg;
	void (*closed)(void *arg);
	int polling;
	int dispatching;
	/* optional: called instead of ep_capture_drain when the ring has data,
	 * so the owner can bracket the read (see ep_engine_hold) */
	void (*wake)(void *arg);
};

#define EP_CAPTURE_BUFFER (32u << 20) /* bytes of ring: bursts of ~200k replies */

/* Ring for a scan expecting up to rate replies a second on one capture:
 * 250 ms of them at ~144 bytes a frame (TPACKET_V3 header + a reply), at
 * least 2 MiB and at most 8 MiB whatever the rate (unpaced included), so the
 * ring does not grow with the rate; a fuller ring shows as drops, which cut
 * the rate (ep_engine_congested) and are retried. */
size_t ep_capture_ring_bytes(double rate);

/* Opens ifname ("any" for every interface) with filter (pcap-filter text).
 * On failure returns EP_EPERM (no privilege) or EP_EIO and writes pcap's
 * message into err. */
int ep_capture_open(struct ep_capture *c, uv_loop_t *loop, const char *ifname, const char *filter,
                    ep_capture_cb cb, void *arg, char *err, size_t errlen);
/* The same with a ring of ring bytes instead of EP_CAPTURE_BUFFER. */
int ep_capture_open_sized(struct ep_capture *c, uv_loop_t *loop, const char *ifname,
                          const char *filter, size_t ring, ep_capture_cb cb, void *arg, char *err,
                          size_t errlen);
/* Reads whatever is waiting now (also called by the poll callback). */
void ep_capture_drain(struct ep_capture *c);
/* Counters from pcap_stats; zeros if unavailable. */
void ep_capture_stats(struct ep_capture *c, uint64_t *received, uint64_t *dropped,
                      uint64_t *ifdropped);
/* Closes the poll handle, then the pcap handle; calls closed(arg) after. */
void ep_capture_close(struct ep_capture *c, void (*closed)(void *arg));

#endif
