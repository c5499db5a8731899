/* Syslog transports for the delivery thread: UDP (RFC 5426), TCP with
 * octet-counting framing (RFC 6587 3.4.1) and TLS (RFC 5425, OpenSSL) with
 * server verification against a CA file or the system store, and an
 * optional client certificate. */
#ifndef EP_SYSLOG_NET_H
#define EP_SYSLOG_NET_H

#include "base/err.h"
#include "report/deliver.h"

enum ep_syslog_proto { EP_SYSLOG_UDP, EP_SYSLOG_TCP, EP_SYSLOG_TLS };

/* Strings are copied. */
struct ep_syslog_net_opts {
	enum ep_syslog_proto proto;
	const char *host; /* name or address (IPv6 without brackets) */
	const char *port;
	const char *label;   /* for messages: the destination key */
	const char *ca;      /* TLS: CA bundle; NULL: the system store */
	const char *cert;    /* TLS client certificate chain (PEM), or NULL */
	const char *key;     /* its private key (PEM file), or NULL */
	const char *name;    /* TLS: name to verify, default host */
	unsigned timeout_ms; /* connect, handshake and each write (default 5000) */
};

/* The transport: send() connects (and reconnects) as needed; see deliver.h
 * for the contract, including the health check (n == 0).  settle_ms is
 * 1000: syslog has no acknowledgement. */
extern const struct ep_transport_ops ep_syslog_transport;

/* Makes a transport state for ep_deliver_open.  TLS files (CA, certificate,
 * key) are loaded here, so a bad file fails at once with a diagnostic; the
 * key's contents are never printed.  No network I/O. */
int ep_syslog_net_new(void **tstate, const struct ep_syslog_net_opts *o, struct ep_diag *d);

#endif
