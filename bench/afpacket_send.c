/*
 * afpacket_send - the benchmark's yardstick: how many TCP SYNs per second the
 * lab's veth link can carry, with no scanner logic at all.
 *
 * usage: afpacket_send -i IFNAME -s SRCMAC -d DSTMAC -S SRCIP -P SPORT
 *                      -p LO-HI [-r PPS] [-b BATCH] [-T THREADS] HOST...
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
 * -T THREADS (default 1, at most 64) splits the (host, port) index space
 * into THREADS contiguous, disjoint slices, one per thread, each with its
 * own AF_PACKET socket (PACKET_QDISC_BYPASS); the threads wait on a barrier
 * and start together, and -r is shared out (PPS / THREADS each).  One
 * thread cannot use more than one core, a multi-threaded scanner can: the
 * lab's ceiling on an N-core machine is measured with -T N too.
 *
 * Prints one line: "sent=N errors=E secs=S pps=R threads=T" (all threads
 * together; secs runs from the first thread's start to the last thread's
 * end).  Exit 0, or 2 on a usage or socket error.  Linux only; libc and
 * pthreads only; needs CAP_NET_RAW.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <pthread.h>
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
#define MAX_THREADS 64

/* One sender: its slice [first, end) of the index space, its socket and
 * buffers (owned by the thread's struct, freed by main), its results. */
struct sender {
	pthread_t tid;
	pthread_barrier_t *go;
	const uint8_t (*tmpl)[FRAME_LEN];
	long nhosts, plo, first, end, batch;
	double rate; /* frames a second for this thread, 0 = unpaced */
	int fd, err; /* err: errno of a failed sendmmsg, 0 if none */
	long sent, errors;
	double t0, t1;
	uint8_t frames[MAX_BATCH][FRAME_LEN];
	struct iovec iov[MAX_BATCH];
	struct mmsghdr msgs[MAX_BATCH];
};

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
	                "-p LO-HI [-r PPS] [-b BATCH] [-T THREADS] HOST...\n");
}

/* Sends this thread's slice; the loop of the single-threaded version. */
static void *send_slice(void *arg)
{
	struct sender *w = arg;
	long next = w->first;

	for (long i = 0; i < w->batch; i++) {
		w->iov[i].iov_base = w->frames[i];
		w->iov[i].iov_len = FRAME_LEN;
		w->msgs[i].msg_hdr.msg_iov = &w->iov[i];
		w->msgs[i].msg_hdr.msg_iovlen = 1;
	}
	pthread_barrier_wait(w->go);
	w->t0 = now_s();
	while (next < w->end) {
		int n = 0, off = 0;

		if (w->rate > 0) { /* wait until this batch is due */
			double due = w->t0 + (double)(next - w->first) / w->rate;
			double gap = due - now_s();

			if (gap > 0.0002) {
				struct timespec ts = {0, (long)((gap - 0.0001) * 1e9)};
				nanosleep(&ts, NULL);
			}
			while (now_s() < due)
				;
		}
		for (; n < w->batch && next < w->end; n++, next++) {
			long h = next % w->nhosts, port = w->plo + next / w->nhosts;

			memcpy(w->frames[n], w->tmpl[h], FRAME_LEN);
			patch(w->frames[n], (uint16_t)port, (uint16_t)next);
		}
		while (off < n) {
			int k = sendmmsg(w->fd, w->msgs + off, (unsigned)(n - off), 0);

			if (k < 0) {
				if (errno == EINTR)
					continue;
				if (errno == ENOBUFS || errno == EAGAIN) {
					w->errors++; /* kernel queue full: yield and retry */
					sched_yield();
					continue;
				}
				w->err = errno;
				goto done;
			}
			off += k;
			w->sent += k;
		}
	}
done:
	w->t1 = now_s();
	return NULL;
}

/* An AF_PACKET socket bound to ifindex for sending only, or -1. */
static int open_sender(int ifindex, const char *ifname)
{
	struct sockaddr_ll sll = {0};
	int one = 1, sndbuf = 4 << 20, fd;

	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		perror("afpacket_send: socket(AF_PACKET)");
		return -1;
	}
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = 0; /* send only */
	sll.sll_ifindex = ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) != 0) {
		fprintf(stderr, "afpacket_send: bind %s: %s\n", ifname, strerror(errno));
		close(fd);
		return -1;
	}
	(void)setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	return fd;
}

int main(int argc, char **argv)
{
	const char *ifname = NULL;
	uint8_t smac[6], dmac[6], (*tmpl)[FRAME_LEN] = NULL;
	struct in_addr src = {0};
	long sport = -1, plo = -1, phi = -1, rate = 0, batch = 64, nthreads = 1;
	int have_smac = 0, have_dmac = 0, have_src = 0, opt, rc = 2, nhosts, ifindex, have_go = 0;
	struct sender *w = NULL;
	pthread_barrier_t go;

	while ((opt = getopt(argc, argv, "i:s:d:S:P:p:r:b:T:h")) != -1) {
		switch (opt) {
		case 'i': ifname = optarg; break;
		case 's': have_smac = parse_mac(optarg, smac) == 0; break;
		case 'd': have_dmac = parse_mac(optarg, dmac) == 0; break;
		case 'S': have_src = inet_pton(AF_INET, optarg, &src) == 1; break;
		case 'P': sport = parse_num(optarg, 1, 65535); break;
		case 'r': rate = parse_num(optarg, 0, 100000000); break;
		case 'b': batch = parse_num(optarg, 1, MAX_BATCH); break;
		case 'T': nthreads = parse_num(optarg, 1, MAX_THREADS); break;
		case 'p':
			if (sscanf(optarg, "%ld-%ld", &plo, &phi) != 2 || plo < 1 || phi > 65535 || plo > phi)
				plo = -1;
			break;
		default: usage(); return 2;
		}
	}
	nhosts = argc - optind;
	if (ifname == NULL || !have_smac || !have_dmac || !have_src || sport < 0 || plo < 0 ||
	    rate < 0 || batch < 0 || nthreads < 1 || nhosts < 1 || nhosts > MAX_HOSTS) {
		usage();
		return 2;
	}

	/* One template frame per host: everything but dport, id, checksums. */
	tmpl = calloc((size_t)nhosts, sizeof(*tmpl));
	w = calloc((size_t)nthreads, sizeof(*w));
	if (tmpl == NULL || w == NULL) {
		fprintf(stderr, "afpacket_send: out of memory\n");
		goto out;
	}
	for (long t = 0; t < nthreads; t++)
		w[t].fd = -1;
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

	ifindex = (int)if_nametoindex(ifname);
	if (ifindex == 0) {
		fprintf(stderr, "afpacket_send: no interface %s\n", ifname);
		goto out;
	}
	/* Every socket is open before any thread starts, so a failure sends
	 * nothing and the threads' start is not skewed by socket setup. */
	{
		long total = (phi - plo + 1) * (long)nhosts;

		for (long t = 0; t < nthreads; t++) {
			w[t].fd = open_sender(ifindex, ifname);
			if (w[t].fd < 0)
				goto out;
			w[t].go = &go;
			w[t].tmpl = (const uint8_t(*)[FRAME_LEN])tmpl;
			w[t].nhosts = nhosts;
			w[t].plo = plo;
			w[t].batch = batch;
			w[t].first = total * t / nthreads;
			w[t].end = total * (t + 1) / nthreads;
			w[t].rate = (double)rate / (double)nthreads;
		}
	}
	if (pthread_barrier_init(&go, NULL, (unsigned)nthreads) != 0) {
		fprintf(stderr, "afpacket_send: pthread_barrier_init failed\n");
		goto out;
	}
	have_go = 1;
	for (long t = 0; t < nthreads; t++) {
		int e = pthread_create(&w[t].tid, NULL, send_slice, &w[t]);

		if (e != 0) {
			/* the barrier can never open and nothing was sent: exit,
			 * which ends the threads already waiting on it */
			fprintf(stderr, "afpacket_send: pthread_create: %s\n", strerror(e));
			exit(2);
		}
	}
	{
		long sent = 0, errors = 0;
		double t0 = 0, t1 = 0;

		rc = 0;
		for (long t = 0; t < nthreads; t++) {
			pthread_join(w[t].tid, NULL);
			if (w[t].err != 0) {
				fprintf(stderr, "afpacket_send: sendmmsg (thread %ld): %s\n", t,
				        strerror(w[t].err));
				rc = 2;
			}
			sent += w[t].sent;
			errors += w[t].errors;
			if (t == 0 || w[t].t0 < t0)
				t0 = w[t].t0;
			if (t == 0 || w[t].t1 > t1)
				t1 = w[t].t1;
		}
		if (rc == 0)
			printf("sent=%ld errors=%ld secs=%.3f pps=%.0f threads=%ld\n", sent, errors,
			       t1 - t0, (t1 > t0) ? (double)sent / (t1 - t0) : 0.0, nthreads);
	}
out:
	if (have_go)
		pthread_barrier_destroy(&go);
	for (long t = 0; w != NULL && t < nthreads; t++)
		if (w[t].fd >= 0)
			close(w[t].fd);
	free(w);
	free(tmpl);
	return rc;
}
