/* libpcap capture driven by uv_poll.  See capture.h. */
#include "engine/capture.h"

#include <linux/filter.h>
#include <pcap/pcap.h>
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"

#define SNAPLEN    256 /* link + IPv6 + ICMPv6 + quoted IPv6 + 8 bytes fits */
#define MAX_ROUNDS 64  /* pcap_dispatch calls per wake-up: let the loop breathe */

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct ep_capture *c = (struct ep_capture *)(void *)user;

	c->cb(c->arg, c->dlt, bytes, h->caplen);
}

void ep_capture_drain(struct ep_capture *c)
{
	/* a callback may end the scan and land here again: libpcap's ring
	 * would hand out the frame it is still in a second time */
	if (c->dispatching)
		return;
	c->dispatching = 1;
	for (int i = 0; i < MAX_ROUNDS; i++)
		if (pcap_dispatch(c->pcap, -1, on_packet, (u_char *)c) <= 0)
			break;
	c->dispatching = 0;
}

static void discard(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	(void)user;
	(void)h;
	(void)bytes;
}

static void on_readable(uv_poll_t *h, int status, int events)
{
	(void)status;
	(void)events;
	struct ep_capture *c = h->data;

	if (c->wake)
		c->wake(c->arg);
	else
		ep_capture_drain(c);
}

static int fail(struct ep_capture *c, int rc, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s", what, c->pcap ? pcap_geterr(c->pcap) : "failed");
	if (c->pcap)
		pcap_close(c->pcap);
	c->pcap = NULL;
	return rc;
}

size_t ep_capture_ring_bytes(double rate)
{
	double want = rate * 0.25 * 144;

	if (want < (double)(2u << 20))
		return 2u << 20;
	if (want > (double)(8u << 20))
		return 8u << 20;
	return (size_t)want;
}

int ep_capture_open(struct ep_capture *c, uv_loop_t *loop, const char *ifname, const char *filter,
                    ep_capture_cb cb, void *arg, char *err, size_t errlen)
{
	return ep_capture_open_sized(c, loop, ifname, filter, EP_CAPTURE_BUFFER, cb, arg, err,
	                             errlen);
}

int ep_capture_open_sized(struct ep_capture *c, uv_loop_t *loop, const char *ifname,
                          const char *filter, size_t ring, ep_capture_cb cb, void *arg, char *err,
                          size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog;
	char text[2048];
	int rc, fd;

	memset(c, 0, sizeof(*c));
	c->cb = cb;
	c->arg = arg;
	c->pcap = pcap_create(ifname, ebuf);
	if (c->pcap == NULL) {
		snprintf(err, errlen, "pcap_create %s: %s", ifname, ebuf);
		return EP_EIO;
	}
	pcap_set_snaplen(c->pcap, SNAPLEN);
	pcap_set_promisc(c->pcap, 0);
	pcap_set_immediate_mode(c->pcap, 1);
	pcap_set_buffer_size(c->pcap, (int)ring);
	rc = pcap_activate(c->pcap);
	if (rc < 0)
		return fail(c, rc == PCAP_ERROR_PERM_DENIED ? EP_EPERM : EP_EIO, ifname, err,
		            errlen);
	c->dlt = pcap_datalink(c->pcap);
	/* "inbound" (the kernel's packet type): on lo every packet passes the
	 * tap twice, once on the way out */
	snprintf(text, sizeof(text), "inbound and (%s)", filter);
	if (pcap_compile(c->pcap, &prog, text, 1, PCAP_NETMASK_UNKNOWN) < 0 &&
	    pcap_compile(c->pcap, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0)
		return fail(c, EP_EINVAL, "capture filter", err, errlen);
	if (c->dlt == DLT_EN10MB) {
		/* Attached to the socket ourselves: pcap_setfilter would also run
		 * the program in userland over the first ring block, where the
		 * kernel-only "inbound" load fails and drops the first reply. */
		struct sock_fprog fp = {(unsigned short)prog.bf_len,
		                        (struct sock_filter *)(void *)prog.bf_insns};

		rc =
		    setsockopt(pcap_fileno(c->pcap), SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp));
	} else {
		rc = pcap_setfilter(c->pcap, &prog);
	}
	pcap_freecode(&prog);
	if (rc < 0)
		return fail(c, EP_EIO, "capture filter", err, errlen);
	if (pcap_setnonblock(c->pcap, 1, ebuf) < 0) {
		snprintf(err, errlen, "pcap_setnonblock: %s", ebuf);
		pcap_close(c->pcap);
		c->pcap = NULL;
		return EP_EIO;
	}
	fd = pcap_get_selectable_fd(c->pcap);
	if (fd < 0 || uv_poll_init(loop, &c->poll, fd) != 0) {
		snprintf(err, errlen, "%s: no pollable capture descriptor", ifname);
		pcap_close(c->pcap);
		c->pcap = NULL;
		return EP_EIO;
	}
	c->poll.data = c;
	/* whatever the ring caught before the filter is not ours */
	while (pcap_dispatch(c->pcap, -1, discard, NULL) > 0)
		;
	uv_poll_start(&c->poll, UV_READABLE, on_readable);
	c->polling = 1;
	return 0;
}

void ep_capture_stats(struct ep_capture *c, uint64_t *received, uint64_t *dropped,
                      uint64_t *ifdropped)
{
	struct pcap_stat st;

	*received = *dropped = *ifdropped = 0;
	if (c->pcap == NULL || pcap_stats(c->pcap, &st) != 0)
		return;
	*received = st.ps_recv;
	*dropped = st.ps_drop;
	*ifdropped = st.ps_ifdrop;
}

static void on_poll_closed(uv_handle_t *h)
{
	struct ep_capture *c = h->data;
	void (*closed)(void *) = c->closed;
	void *arg = c->arg;

	pcap_close(c->pcap);
	c->pcap = NULL;
	if (closed)
		closed(arg);
}

void ep_capture_close(struct ep_capture *c, void (*closed)(void *arg))
{
	c->closed = closed;
	if (!c->polling) {
		if (c->pcap)
			pcap_close(c->pcap);
		c->pcap = NULL;
		if (closed)
			closed(c->arg);
		return;
	}
	c->polling = 0;
	uv_close((uv_handle_t *)&c->poll, on_poll_closed);
}
