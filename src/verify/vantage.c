/* verify's vantage: the source the routing table picks, and on an EC2
 * bastion the instance's own groups and address from IMDSv2. */
#include "verify/verify.h"

#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "base/http.h"
#include "base/json.h"

/* The source address the kernel would use towards addr: a UDP socket's
 * connect() only consults the routing table, it sends nothing. */
static int route_source(const char *addr, struct ep_addr *out)
{
	struct ep_addr a;
	struct sockaddr_storage ss, me;
	socklen_t len = sizeof(me);
	int fd, rc = -1;

	if (ep_addr_parse(addr, &a))
		return -1;
	memset(&ss, 0, sizeof(ss));
	if (a.family == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(9);
		memcpy(&sin->sin_addr, a.b, 4);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(9);
		memcpy(&sin6->sin6_addr, a.b, 16);
	}
	fd = socket(a.family == 4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss,
	            a.family == 4 ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) ==
	        0 &&
	    getsockname(fd, (struct sockaddr *)&me, &len) == 0) {
		memset(out, 0, sizeof(*out));
		out->family = a.family;
		if (a.family == 4)
			memcpy(out->b, &((struct sockaddr_in *)&me)->sin_addr, 4);
		else
			memcpy(out->b, &((struct sockaddr_in6 *)&me)->sin6_addr, 16);
		rc = 0;
	}
	close(fd);
	return rc;
}

/* No --source-ip: take, per family, the source the routing table picks
 * towards the first interface address of that family. */
void ep_verify_detect_sources(const struct ep_exposure *x, struct ep_vantage *v)
{
	for (size_t i = 0; i < x->nifaces; i++)
		for (size_t k = 0; k < x->ifaces[i].naddrs; k++) {
			const struct ep_xaddr *xa = &x->ifaces[i].addrs[k];
			int f = xa->addr.family == 4 ? 0 : 1;
			char text[EP_ADDRSTRLEN];

			if (v->has[f] || route_source(xa->text, &v->src[f]))
				continue;
			v->has[f] = 1;
			fprintf(stderr,
			        "ecsprobe: verify: vantage source %s (the routing table's choice; "
			        "behind NAT give --source-ip)\n",
			        ep_addr_format(&v->src[f], text, sizeof(text)));
		}
}

struct imds {
	char base[256], token[256], value[256];
	int step, failed;
};

static void on_imds(void *arg, const struct ep_http_response *r)
{
	struct imds *m = arg;

	if (r->status != 200 || r->body_len >= sizeof(m->value)) {
		m->failed = 1;
		return;
	}
	snprintf(m->step == 0 ? m->token : m->value, sizeof(m->value), "%.*s", (int)r->body_len,
	         r->body);
}

/* One IMDSv2 GET (after the token PUT); value gets the body. */
static int imds_get(struct imds *m, const char *path)
{
	uv_loop_t loop;
	struct ep_http *h;
	struct ep_http_request req;
	char url[512], hdr[320];
	const char *hdrs[2] = {hdr, NULL};

	if (uv_loop_init(&loop) || ep_http_new(&h, &loop))
		return -1;
	memset(&req, 0, sizeof(req));
	req.headers = hdrs;
	req.timeout_ms = 2000;
	if (m->token[0] == '\0') {
		m->step = 0;
		snprintf(url, sizeof(url), "%s/latest/api/token", m->base);
		snprintf(hdr, sizeof(hdr), "X-aws-ec2-metadata-token-ttl-seconds: 300");
		req.method = "PUT";
		req.url = url;
		if (ep_http_start(h, &req, on_imds, m) == 0)
			uv_run(&loop, UV_RUN_DEFAULT);
	}
	m->step = 1;
	snprintf(url, sizeof(url), "%s/latest/meta-data/%s", m->base, path);
	snprintf(hdr, sizeof(hdr), "X-aws-ec2-metadata-token: %s", m->token);
	req.method = "GET";
	req.url = url;
	if (!m->failed && ep_http_start(h, &req, on_imds, m) == 0)
		uv_run(&loop, UV_RUN_DEFAULT);
	ep_http_close(h, NULL, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	return m->failed ? -1 : 0;
}

/* The bastion's own groups (from its interfaces in the inventory) and, unless
 * --source-ip was given, its private address. */
int ep_verify_vantage_auto(const struct ep_exposure *x, struct ep_vantage *v, char groups[][32])
{
	struct imds m;
	const char *ep = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	char iid[256];

	memset(&m, 0, sizeof(m));
	if (getenv("AWS_EC2_METADATA_DISABLED") &&
	    strcmp(getenv("AWS_EC2_METADATA_DISABLED"), "true") == 0) {
		fprintf(stderr, "ecsprobe: --vantage auto: instance metadata is disabled\n");
		return -1;
	}
	snprintf(m.base, sizeof(m.base), "%s", ep && *ep ? ep : "http://169.254.169.254");
	if (m.base[0] && m.base[strlen(m.base) - 1] == '/')
		m.base[strlen(m.base) - 1] = '\0';
	if (imds_get(&m, "instance-id")) {
		fprintf(stderr,
		        "ecsprobe: --vantage auto: no instance metadata at %s (not on EC2?)\n",
		        m.base);
		return -1;
	}
	snprintf(iid, sizeof(iid), "%s", m.value);
	if (!v->has[0] && imds_get(&m, "local-ipv4") == 0 &&
	    ep_addr_parse(m.value, &v->src[0]) == 0)
		v->has[0] = 1;
	for (size_t i = 0; i < x->nifaces; i++) {
		const struct ep_xiface *f = &x->ifaces[i];

		if (f->instance[0] == '\0' || strcmp(f->instance, iid) != 0)
			continue;
		for (size_t k = 0; k < f->ngroups && v->ngroups < 16; k++) {
			snprintf(groups[v->ngroups], 32, "%s", f->groups[k].id);
			v->groups[v->ngroups] = groups[v->ngroups];
			v->ngroups++;
		}
	}
	fprintf(stderr, "ecsprobe: verify: vantage: instance %s, %d security group%s\n", iid,
	        v->ngroups, v->ngroups == 1 ? "" : "s");
	return 0;
}
