/*
 * afpacket_send - the benchmark's yardstick: how many TCP SYNs per second the
 * lab's veth link can carry, with no scanner logic at all.
 *
 * usage: afpacket_send -i IFNAME -s SRCMAC -d DSTMAC -S SRCIP -P SPORT
 *                      -p LO-HI [-r PPS] [-b BATCH] HOST...
 *
 * Sends one SYN (IPv4, MSS option) from SRCIP:SPORT to every HOST x port in
 * LO-HI, port-major so consecutive frames go to different hosts, through an
 * AF_PACKET socket bound to IFNAME (it receives nothing: protocol 0).  One
 * 58-byte frame per host is built up front; per frame only the destination
 * port, IP id and the two checksums are patched, into a batch of BATCH
 * frames handed to the kernel with one sendmmsg(2).  -r paces to PPS frames
 * a second (0, the default: as fast as the kernel takes them); pacing is per
 * batch against CLOCK_MONOTONIC, so it never bursts to catch up more than one
 * batch.  Replies are not read here: the benchmark counts them with nft.
 *
 * Prints one line: "sent=N errors=E secs=S pps=R".  Exit 0, or 2 on a usage
 * or socket error.  Linux only; libc only; needs CAP_NET_RAW.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FRAME_LEN 58 /* 14 Ethernet + 20 IPv4 + 24 TCP (MSS option) */
#define MAX_BATCH 1024
#define MAX_HOSTS 4096

static uint32_t csum_add(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (v[i] > 255)
			return -1;
		mac[i] = (uint8_t)v[i];
	}
	return 0;
}

static long parse_num(const char *s, long lo, long hi)
{
	char *end = NULL;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	return v;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Fills the per-frame fields of f (a copy of its host's template). */
static void patch(uint8_t *f, uint16_t dport, uint16_t ipid)
{
	uint8_t *ip = f + 14, *tcp = ip + 20;
	uint32_t sum;
	uint16_t c;

	ip[4] = (uint8_t)(ipid >> 8);
	ip[5] = (uint8_t)ipid;
	ip[10] = ip[11] = 0;
	c = csum_fold(csum_add(ip, 20, 0));
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	tcp[2] = (uint8_t)(dport >> 8);
	tcp[3] = (uint8_t)dport;
	tcp[16] = tcp[17] = 0;
	sum = csum_add(ip + 12, 8, 0); /* pseudo-header: addresses, proto, length */
	sum += 6 + 24;
	c = csum_fold(csum_add(tcp, 24, sum));
	tcp[16] = (uint8_t)(c >> 8);
	tcp[17] = (uint8_t)c;
}

static void usage(void)
{
	fprintf(stderr, "usage: afpacket_send -i IFNAME -s SRCMAC -d DSTMAC -S SRCIP -P SPORT "
	                "-p LO-HI [-r PPS] [-b BATCH] HOST...\n");
}

int main(int argc, char **argv)
{
	const char *ifname = NULL;
	uint8_t smac[6], dmac[6], (*tmpl)[FRAME_LEN] = NULL;
	struct in_addr src = {0};
	long sport = -1, plo = -1, phi = -1, rate = 0, batch = 64;
	int have_smac = 0, have_dmac = 0, have_src = 0, opt, fd = -1, rc = 2, nhosts;
	static uint8_t frames[MAX_BATCH][FRAME_LEN];
	static struct iovec iov[MAX_BATCH];
	static struct mmsghdr msgs[MAX_BATCH];

	while ((opt = getopt(argc, argv, "i:s:d:S:P:p:r:b:h")) != -1) {
		switch (opt) {
		case 'i': ifname = optarg; break;
		case 's': have_smac = parse_mac(optarg, smac) == 0; break;
		case 'd': have_dmac = parse_mac(optarg, dmac) == 0; break;
		case 'S': have_src = inet_pton(AF_INET, optarg, &src) == 1; break;
		case 'P': sport = parse_num(optarg, 1, 65535); break;
		case 'r': rate = parse_num(optarg, 0, 100000000); break;
		case 'b': batch = parse_num(optarg, 1, MAX_BATCH); break;
		case 'p':
			if (sscanf(optarg, "%ld-%ld", &plo, &phi) != 2 || plo < 1 || phi > 65535 || plo > phi)
				plo = -1;
			break;
		default: usage(); return 2;
		}
	}
	nhosts = argc - optind;
	if (ifname == NULL || !have_smac || !have_dmac || !have_src || sport < 0 || plo < 0 ||
	    rate < 0 || batch < 0 || nhosts < 1 || nhosts > MAX_HOSTS) {
		usage();
		return 2;
	}

	/* One template frame per host: everything but dport, id, checksums. */
	tmpl = calloc((size_t)nhosts, sizeof(*tmpl));
	if (tmpl == NULL) {
		fprintf(stderr, "afpacket_send: out of memory\n");
		return 2;
	}
	for (int h = 0; h < nhosts; h++) {
		uint8_t *f = tmpl[h], *ip = f + 14, *tcp = ip + 20;
		struct in_addr dst;

		if (inet_pton(AF_INET, argv[optind + h], &dst) != 1) {
			fprintf(stderr, "afpacket_send: bad IPv4 address '%s'\n", argv[optind + h]);
			goto out;
		}
		memcpy(f, dmac, 6);
		memcpy(f + 6, smac, 6);
		f[12] = 0x08; /* ETH_P_IP */
		ip[0] = 0x45;
		ip[3] = 44; /* total length */
		ip[8] = 64; /* TTL */
		ip[9] = 6;  /* TCP */
		memcpy(ip + 12, &src, 4);
		memcpy(ip + 16, &dst, 4);
		tcp[0] = (uint8_t)(sport >> 8);
		tcp[1] = (uint8_t)sport;
		tcp[4] = 0x5e; /* sequence number: any fixed value */
		tcp[5] = 0xc5;
		tcp[12] = 6 << 4; /* data offset: 24 bytes */
		tcp[13] = 0x02;   /* SYN */
		tcp[14] = 0x04;   /* window 1024 */
		tcp[20] = 2;      /* MSS 1460 */
		tcp[21] = 4;
		tcp[22] = 0x05;
		tcp[23] = 0xb4;
	}

	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		perror("afpacket_send: socket(AF_PACKET)");
		goto out;
	}
	{
		struct sockaddr_ll sll = {0};
		int one = 1, sndbuf = 4 << 20;

		sll.sll_family = AF_PACKET;
		sll.sll_protocol = 0; /* send only */
		sll.sll_ifindex = (int)if_nametoindex(ifname);
		if (sll.sll_ifindex == 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) != 0) {
			fprintf(stderr, "afpacket_send: bind %s: %s\n", ifname, strerror(errno));
			goto out;
		}
		(void)setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	}
	for (long i = 0; i < batch; i++) {
		iov[i].iov_base = frames[i];
		iov[i].iov_len = FRAME_LEN;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}

	{
		long total = (phi - plo + 1) * (long)nhosts, next = 0, sent = 0, errors = 0;
		double t0 = now_s(), t1;

		while (next < total) {
			int n = 0, off = 0;

			if (rate > 0) { /* wait until this batch is due */
				double due = t0 + (double)next / (double)rate, gap = due - now_s();

				if (gap > 0.0002) {
					struct timespec ts = {0, (long)((gap - 0.0001) * 1e9)};
					nanosleep(&ts, NULL);
				}
				while (now_s() < due)
					;
			}
			for (; n < batch && next < total; n++, next++) {
				long h = next % nhosts, port = plo + next / nhosts;

				memcpy(frames[n], tmpl[h], FRAME_LEN);
				patch(frames[n], (uint16_t)port, (uint16_t)next);
			}
			while (off < n) {
				int k = sendmmsg(fd, msgs + off, (unsigned)(n - off), 0);

				if (k < 0) {
					if (errno == EINTR)
						continue;
					if (errno == ENOBUFS || errno == EAGAIN) {
						errors++; /* kernel queue full: yield and retry */
						sched_yield();
						continue;
					}
					perror("afpacket_send: sendmmsg");
					goto out;
				}
				off += k;
				sent += k;
			}
		}
		t1 = now_s();
		printf("sent=%ld errors=%ld secs=%.3f pps=%.0f\n", sent, errors, t1 - t0,
		       (t1 > t0) ? (double)sent / (t1 - t0) : 0.0);
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(tmpl);
	return rc;
}
