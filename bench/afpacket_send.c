/*
 * afpacket_send - the benchmark's yardstick: how many TCP SYNs per second the
 * lab's veth link can carry, with no scanner logic at all.
 *
 * usage: afpacket_send -i IFNAME -s SRCMAC -d DSTMAC -S SRCIP -P SPORT
 *                      -p LO-HI [-r PPS] [-b BATCH] [-T THREADS] [-R|-I] HOST...
 *
 * Sends one SYN (IPv4, MSS option) from SRCIP:SPORT to every HOST x port in
 * LO-HI, port-major so consecutive frames go to different hosts, through an
 * AF_PACKET socket bound to IFNAME (it receives nothing: protocol 0).  One
 * 58-byte frame per host is built up front; per frame only the destination
 * port, IP id and the two checksums are patched, into a batch of BATCH
 * frames handed to the kernel with one sendmmsg(2).  -r paces to PPS frames
 * a second (0, the default: as fast as the kernel takes them); pacing is per
 * batch against CLOCK_MONOTONIC, so it never bursts to catch up more than one
 * batch.  Without -R replies are not read here: the benchmark counts them
 * with nft.
 *
 * -T THREADS (default 1, at most 64) splits the (host, port) index space
 * into THREADS contiguous, disjoint slices, one per thread, each with its
 * own AF_PACKET socket (PACKET_QDISC_BYPASS); the threads wait on a barrier
 * and start together, and -r is shared out (PPS / THREADS each).  One
 * thread cannot use more than one core, a multi-threaded scanner can: the
 * lab's ceiling on an N-core machine is measured with -T N too.
 *
 * -R also reads every reply, as the barest scanner must: one more thread
 * with a TPACKET_V3 receive ring (8 blocks of 1 MiB, retired after 1 ms)
 * on an AF_PACKET socket bound to IFNAME for every protocol (ETH_P_ALL, as
 * libpcap opens it) with PACKET_IGNORE_OUTGOING and a classic BPF filter
 * that keeps inbound IPv4 TCP to SPORT only.  It parses each frame's
 * Ethernet, IPv4 and TCP headers and counts those to SPORT with ACK set (a
 * SYN-ACK or a RST-ACK); it stops 500 ms after the last sender ends (a
 * scanner's --timeout 500).  The receiver is set up before any sender starts.
 * -I reads the same ring with no thread of its own: after each batch a
 * sender that gets the ring's lock (trylock: never waits) reads every
 * retired block, and once the senders end the main thread reads on; on a
 * machine with as many cores as senders this keeps one busy thread a core,
 * as a scanner whose workers both send and read does.
 *
 * Prints one line: "sent=N errors=E secs=S pps=R threads=T" (all threads
 * together; secs runs from the first thread's start to the last thread's
 * end), and with -R or -I " received=N rx_drops=D" (D: frames the ring had no
 * room for, PACKET_STATISTICS).  Exit 0, or 2 on a usage or socket error.
 * Linux only; libc and pthreads only; needs CAP_NET_RAW.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FRAME_LEN 58 /* 14 Ethernet + 20 IPv4 + 24 TCP (MSS option) */
#define MAX_BATCH 1024
#define MAX_HOSTS 4096
#define MAX_THREADS 64
#define RX_BLOCK (1u << 20)
#define RX_BLOCKS 8u
#define RX_FRAME 2048u
#define RX_LINGER 0.5 /* seconds read after the last send: --timeout 500 */
#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

/* The -R reader: its socket and ring (owned here, unmapped and closed by
 * main), the time to stop (0 until the senders end), its counts. */
struct receiver {
	pthread_t tid;
	int fd;
	uint8_t *ring;
	uint16_t sport;
	_Atomic double stop_at; /* CLOCK_MONOTONIC seconds; 0: keep reading */
	pthread_mutex_t lock;   /* -I: whichever sender holds it reads the ring */
	unsigned next;          /* the next block to read */
	long received;
	unsigned drops;
};

/* One sender: its slice [first, end) of the index space, its socket and
 * buffers (owned by the thread's struct, freed by main), its results. */
struct sender {
	pthread_t tid;
	pthread_barrier_t *go;
	const uint8_t (*tmpl)[FRAME_LEN];
	long nhosts, plo, first, end, batch;
	double rate; /* frames a second for this thread, 0 = unpaced */
	int fd, err; /* err: errno of a failed sendmmsg, 0 if none */
	struct receiver *rx; /* -I: read the replies between batches, or NULL */
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
	                "-p LO-HI [-r PPS] [-b BATCH] [-T THREADS] [-R|-I] HOST...\n");
}

static void rx_drain(struct receiver *r);

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
		if (w->rx != NULL && pthread_mutex_trylock(&w->rx->lock) == 0) {
			rx_drain(w->rx);
			pthread_mutex_unlock(&w->rx->lock);
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

/* Counts the replies of one retired block: IPv4 TCP to our port with ACK. */
static void rx_block(struct receiver *r, struct tpacket_block_desc *bd)
{
	uint8_t *p = (uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt;

	for (uint32_t k = 0; k < bd->hdr.bh1.num_pkts; k++) {
		struct tpacket3_hdr *h = (struct tpacket3_hdr *)(void *)p;
		const uint8_t *f = p + h->tp_mac, *ip = f + 14, *tcp;
		uint32_t len = h->tp_snaplen;

		p += h->tp_next_offset;
		if (len < 14 + 20 || f[12] != 0x08 || f[13] != 0x00 || (ip[0] >> 4) != 4 ||
		    ip[9] != 6 || len < 14 + (uint32_t)(ip[0] & 15) * 4 + 20)
			continue;
		tcp = ip + (ip[0] & 15) * 4;
		if ((tcp[2] << 8 | tcp[3]) == r->sport && (tcp[13] & 0x10) != 0)
			r->received++;
	}
}

/* Reads every block the kernel has retired; the caller holds r->lock or
 * is the only reader. */
static void rx_drain(struct receiver *r)
{
	for (;;) {
		struct tpacket_block_desc *bd =
		    (struct tpacket_block_desc *)(void *)(r->ring + (size_t)r->next * RX_BLOCK);

		if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
			return;
		rx_block(r, bd);
		__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
		r->next = (r->next + 1) % RX_BLOCKS;
	}
}

static void *receive(void *arg)
{
	struct receiver *r = arg;
	struct pollfd pfd = {.fd = r->fd, .events = POLLIN | POLLERR};

	for (;;) {
		double stop = atomic_load(&r->stop_at);

		pthread_mutex_lock(&r->lock);
		rx_drain(r);
		pthread_mutex_unlock(&r->lock);
		if (stop > 0 && now_s() >= stop)
			break;
		(void)poll(&pfd, 1, 10); /* a block retires within 1 ms of its first frame */
	}
	{
		struct tpacket_stats_v3 st = {0};
		socklen_t sl = sizeof(st);

		if (getsockopt(r->fd, SOL_PACKET, PACKET_STATISTICS, &st, &sl) == 0)
			r->drops = st.tp_drops;
	}
	return NULL;
}

/* Opens r's socket and ring on ifindex, filtered to inbound IPv4 TCP to
 * r->sport; 0, or -1 with a message. */
static int open_receiver(struct receiver *r, int ifindex, const char *ifname)
{
	/* tcpdump -dd 'inbound and tcp dst port P' minus the IPv6 branch: not
	 * outgoing, IPv4, TCP, not a later fragment, destination port P */
	struct sock_filter code[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)(SKF_AD_OFF + SKF_AD_PKTTYPE)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 10, 0),
	    BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x0800, 0, 8),
	    BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 23),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 6, 0, 6),
	    BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 20),
	    BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x1fff, 4, 0),
	    BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 14),
	    BPF_STMT(BPF_LD | BPF_H | BPF_IND, 16),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, r->sport, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, 262144),
	    BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = {(unsigned short)(sizeof(code) / sizeof(code[0])), code};
	struct tpacket_req3 req = {0};
	struct sockaddr_ll sll = {0};
	int v3 = TPACKET_V3, one = 1;

	/* protocol 0 until bound: nothing is queued before the filter is on */
	r->fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (r->fd < 0) {
		perror("afpacket_send: socket(AF_PACKET) for -R");
		return -1;
	}
	if (setsockopt(r->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) != 0 ||
	    setsockopt(r->fd, SOL_PACKET, PACKET_VERSION, &v3, sizeof(v3)) != 0) {
		perror("afpacket_send: -R filter or TPACKET_V3");
		return -1;
	}
	(void)setsockopt(r->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	req.tp_block_size = RX_BLOCK;
	req.tp_block_nr = RX_BLOCKS;
	req.tp_frame_size = RX_FRAME;
	req.tp_frame_nr = RX_BLOCK / RX_FRAME * RX_BLOCKS;
	req.tp_retire_blk_tov = 1; /* ms */
	if (setsockopt(r->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) != 0) {
		perror("afpacket_send: PACKET_RX_RING");
		return -1;
	}
	r->ring = mmap(NULL, (size_t)RX_BLOCK * RX_BLOCKS, PROT_READ | PROT_WRITE,
	               MAP_SHARED | MAP_LOCKED, r->fd, 0);
	if (r->ring == MAP_FAILED) {
		r->ring = NULL;
		perror("afpacket_send: mmap of the receive ring");
		return -1;
	}
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifindex;
	if (bind(r->fd, (struct sockaddr *)&sll, sizeof(sll)) != 0) {
		fprintf(stderr, "afpacket_send: bind -R %s: %s\n", ifname, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *ifname = NULL;
	uint8_t smac[6], dmac[6], (*tmpl)[FRAME_LEN] = NULL;
	struct in_addr src = {0};
	long sport = -1, plo = -1, phi = -1, rate = 0, batch = 64, nthreads = 1;
	int have_smac = 0, have_dmac = 0, have_src = 0, opt, rc = 2, nhosts, ifindex, have_go = 0;
	int want_rx = 0, have_rx = 0; /* want_rx: 1 = -R, 2 = -I */
	struct receiver rx = {.fd = -1, .lock = PTHREAD_MUTEX_INITIALIZER};
	struct sender *w = NULL;
	pthread_barrier_t go;

	while ((opt = getopt(argc, argv, "i:s:d:S:P:p:r:b:T:RIh")) != -1) {
		switch (opt) {
		case 'i': ifname = optarg; break;
		case 's': have_smac = parse_mac(optarg, smac) == 0; break;
		case 'd': have_dmac = parse_mac(optarg, dmac) == 0; break;
		case 'S': have_src = inet_pton(AF_INET, optarg, &src) == 1; break;
		case 'P': sport = parse_num(optarg, 1, 65535); break;
		case 'r': rate = parse_num(optarg, 0, 100000000); break;
		case 'b': batch = parse_num(optarg, 1, MAX_BATCH); break;
		case 'T': nthreads = parse_num(optarg, 1, MAX_THREADS); break;
		case 'R': want_rx = 1; break;
		case 'I': want_rx = 2; break;
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
	if (want_rx) {
		rx.sport = (uint16_t)sport;
		if (open_receiver(&rx, ifindex, ifname) != 0)
			goto out;
		if (want_rx == 2)
			for (long t = 0; t < nthreads; t++)
				w[t].rx = &rx;
		else if (pthread_create(&rx.tid, NULL, receive, &rx) != 0) {
			fprintf(stderr, "afpacket_send: pthread_create (receiver) failed\n");
			goto out;
		} else
			have_rx = 1;
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
		if (have_rx) {
			atomic_store(&rx.stop_at, t1 + RX_LINGER);
			pthread_join(rx.tid, NULL);
			have_rx = 0;
		} else if (want_rx == 2) { /* the senders are done: main reads on */
			atomic_store(&rx.stop_at, t1 + RX_LINGER);
			receive(&rx);
		}
		if (rc == 0) {
			printf("sent=%ld errors=%ld secs=%.3f pps=%.0f threads=%ld", sent, errors,
			       t1 - t0, (t1 > t0) ? (double)sent / (t1 - t0) : 0.0, nthreads);
			if (want_rx)
				printf(" received=%ld rx_drops=%u", rx.received, rx.drops);
			printf("\n");
		}
	}
out:
	if (have_rx) { /* a setup failure after the receiver started */
		atomic_store(&rx.stop_at, now_s());
		pthread_join(rx.tid, NULL);
	}
	if (rx.ring != NULL)
		munmap(rx.ring, (size_t)RX_BLOCK * RX_BLOCKS);
	if (rx.fd >= 0)
		close(rx.fd);
	if (have_go)
		pthread_barrier_destroy(&go);
	for (long t = 0; w != NULL && t < nthreads; t++)
		if (w[t].fd >= 0)
			close(w[t].fd);
	free(w);
	free(tmpl);
	return rc;
}
