/* Intent policy: parsing with file:line:col errors (cJSON keeps no
 * positions, so a key's position is found in the text, in order), and
 * matching.  Matching is linear in the rules, per probed port. */
#include "model/intent.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"

struct pctx {
	const char *text;
	size_t len;
	const char *name;
	size_t cursor; /* search position for key locations, moves forward */
	struct ep_diag *d;
};

static void locate(const struct pctx *p, size_t off, unsigned *line, unsigned *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < p->len; i++) {
		if (p->text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

/* Position of the next occurrence of "key" after the cursor, for messages. */
static size_t key_pos(struct pctx *p, const char *key)
{
	char needle[160];
	const char *hit;

	snprintf(needle, sizeof(needle), "\"%s\"", key);
	hit = p->cursor < p->len ? strstr(p->text + p->cursor, needle) : NULL;
	if (hit == NULL)
		return p->cursor;
	p->cursor = (size_t)(hit - p->text);
	return p->cursor;
}

static int fail_at(struct pctx *p, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_at(struct pctx *p, const char *key, const char *fmt, ...)
{
	unsigned line, col;
	char msg[256];
	va_list ap;

	locate(p, key ? key_pos(p, key) : p->cursor, &line, &col);
	snprintf(p->d->file, sizeof(p->d->file), "%s", p->name);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ep_diag_set(p->d, EP_EPARSE, line, col, "%s", msg);
}

static int64_t parse_date(const char *s)
{
	struct tm tm;
	int y, mo, d;

	if (s == NULL || sscanf(s, "%4d-%2d-%2d", &y, &mo, &d) != 3 || mo < 1 || mo > 12 || d < 1 ||
	    d > 31 || strlen(s) < 10)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	/* an exception dated D holds through the end of that day (UTC) */
	return (int64_t)timegm(&tm) + 86400;
}

/* "tcp/443", "udp/53", "tcp/8000-8100", and "tcp/" followed by a star for every port */
static int parse_ports(struct pctx *p, const cJSON *list, const char *key,
                       struct ep_portset sets[EP_PROTO_COUNT])
{
	struct ep_buf spec;
	const cJSON *it;
	int rc = 0;

	memset(sets, 0, sizeof(*sets) * EP_PROTO_COUNT);
	if (list == NULL)
		return 0;
	if (!cJSON_IsArray(list))
		return fail_at(p, key, "\"%s\" must be a list like [\"tcp/443\", \"udp/53\"]", key);
	ep_buf_init(&spec, 1 << 20);
	cJSON_ArrayForEach(it, list)
	{
		const char *s = cJSON_IsString(it) ? it->valuestring : NULL;
		const char *slash = s ? strchr(s, '/') : NULL;
		size_t plen = slash ? (size_t)(slash - s) : 0;

		if (s == NULL || slash == NULL ||
		    !((plen == 3 && strncmp(s, "tcp", 3) == 0) ||
		      (plen == 3 && strncmp(s, "udp", 3) == 0))) {
			rc = fail_at(p, key, "%s: expected \"tcp/PORTS\" or \"udp/PORTS\"", key);
			break;
		}
		ep_buf_printf(&spec, "%s%c:%s", spec.len ? "," : "", s[0] == 't' ? 'T' : 'U',
		              strcmp(slash + 1, "*") == 0 ? "-" : slash + 1);
	}
	if (rc == 0 && spec.data) {
		struct ep_diag pd = {0};

		if (ep_portspec_parse(spec.data, sets, &pd))
			rc = fail_at(p, key, "%s", pd.msg);
	}
	ep_buf_free(&spec);
	return rc;
}

static int copy_str(struct pctx *p, const cJSON *v, const char *key, char *out, size_t len)
{
	if (v == NULL)
		return 0;
	if (!cJSON_IsString(v) || strlen(v->valuestring) >= len)
		return fail_at(p, key, "\"%s\" must be a string", key);
	snprintf(out, len, "%s", v->valuestring);
	return 0;
}

static int parse_match(struct pctx *p, const cJSON *m, struct ep_intent_match *out)
{
	static const char *const keys[] = {"account",        "region",      "cluster",
	                                   "service",        "task_family", "security_group",
	                                   "interface_type", "tag",         "cidr"};
	const cJSON *it;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (m == NULL)
		return 0;
	if (!cJSON_IsObject(m))
		return fail_at(p, "match", "\"%s\" must be an object", "match");
	cJSON_ArrayForEach(it, m)
	{
		size_t k;

		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (strcmp(it->string, keys[k]) == 0)
				break;
		if (k == sizeof(keys) / sizeof(keys[0]))
			return fail_at(p, it->string, "unknown key \"%s\" in match", it->string);
	}
	rc = copy_str(p, cJSON_GetObjectItemCaseSensitive(m, "account"), "account", out->account,
	              sizeof(out->account));
	if (rc == 0)
		rc = copy_str(p, cJSON_GetObjectItemCaseSensitive(m, "region"), "region",
		              out->region, sizeof(out->region));
	if (rc == 0)
		rc = copy_str(p, cJSON_GetObjectItemCaseSensitive(m, "cluster"), "cluster",
		              out->cluster, sizeof(out->cluster));
	if (rc == 0)
		rc = copy_str(p, cJSON_GetObjectItemCaseSensitive(m, "service"), "service",
		              out->service, sizeof(out->service));
	if (rc == 0)
		rc = copy_str(p, cJSON_GetObjectItemCaseSensitive(m, "task_family"), "task_family",
		              out->task_family, sizeof(out->task_family));
	if (rc == 0)
		rc = copy_str(p, cJSON_GetObjectItemCaseSensitive(m, "security_group"),
		              "security_group", out->security_group, sizeof(out->security_group));
	if (rc == 0)
		rc = copy_str(p, cJSON_GetObjectItemCaseSensitive(m, "interface_type"),
		              "interface_type", out->interface_type, sizeof(out->interface_type));
	it = cJSON_GetObjectItemCaseSensitive(m, "tag");
	if (rc == 0 && it) {
		const cJSON *t;

		if (!cJSON_IsObject(it))
			return fail_at(p, "tag", "\"%s\" must be an object of key: value", "tag");
		cJSON_ArrayForEach(t, it)
		{
			if (out->ntags == EP_INTENT_MAX_TAGS || !cJSON_IsString(t))
				return fail_at(p, "tag", "\"%s\": at most 8 string values", "tag");
			snprintf(out->tag_key[out->ntags], sizeof(out->tag_key[0]), "%s",
			         t->string);
			snprintf(out->tag_value[out->ntags], sizeof(out->tag_value[0]), "%s",
			         t->valuestring);
			out->ntags++;
		}
	}
	it = cJSON_GetObjectItemCaseSensitive(m, "cidr");
	if (rc == 0 && it) {
		if (!cJSON_IsString(it) || ep_iprange_parse(it->valuestring, &out->cidr, NULL))
			return fail_at(p, "cidr", "\"%s\" is not a CIDR", "cidr");
		out->has_cidr = 1;
	}
	return rc;
}

static int parse_rule(struct pctx *p, const cJSON *r, int exception, unsigned index,
                      struct ep_intent_rule *out, int64_t now)
{
	static const char *const keys[] = {"match", "allow", "deny", "reason", "expires"};
	const cJSON *it;
	int rc;

	(void)now;
	memset(out, 0, sizeof(*out));
	snprintf(out->where, sizeof(out->where), "%s %u of %s", exception ? "exception" : "rule",
	         index, p->name);
	if (!cJSON_IsObject(r))
		return fail_at(p, NULL, "%s must be an object",
		               exception ? "an exception" : "a rule");
	cJSON_ArrayForEach(it, r)
	{
		size_t k;

		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (strcmp(it->string, keys[k]) == 0)
				break;
		if (k == sizeof(keys) / sizeof(keys[0]) ||
		    (strcmp(it->string, "expires") == 0 && !exception) ||
		    (strcmp(it->string, "deny") == 0 && exception))
			return fail_at(p, it->string, "unknown key \"%s\" here", it->string);
	}
	rc = parse_match(p, cJSON_GetObjectItemCaseSensitive(r, "match"), &out->match);
	if (rc == 0)
		rc = parse_ports(p, cJSON_GetObjectItemCaseSensitive(r, "allow"), "allow",
		                 out->allow);
	if (rc == 0)
		rc = parse_ports(p, cJSON_GetObjectItemCaseSensitive(r, "deny"), "deny", out->deny);
	if (rc == 0)
		rc = copy_str(p, cJSON_GetObjectItemCaseSensitive(r, "reason"), "reason",
		              out->reason, sizeof(out->reason));
	if (rc == 0 && exception) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(r, "expires");

		if (!cJSON_IsString(e) || (out->expires = parse_date(e->valuestring)) < 0)
			rc = fail_at(p, e ? "expires" : NULL,
			             "an exception needs \"expires\": \"YYYY-MM-DD\"%s", "");
		else if (out->reason[0] == '\0')
			rc = fail_at(p, "expires", "an exception needs a \"reason\"%s", "");
	}
	return rc;
}

void ep_intent_free(struct ep_intent *in)
{
	for (size_t i = 0; i < in->n; i++)
		for (int k = 0; k < EP_PROTO_COUNT; k++) {
			ep_portset_free(&in->r[i].allow[k]);
			ep_portset_free(&in->r[i].deny[k]);
		}
	free(in->r);
	memset(in, 0, sizeof(*in));
}

static int parse_list(struct pctx *p, const cJSON *doc, const char *key, int exception,
                      struct ep_intent *in, int64_t now)
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(doc, key), *it;
	unsigned i = 0;
	int rc = 0;

	if (list == NULL)
		return 0;
	if (!cJSON_IsArray(list))
		return fail_at(p, key, "\"%s\" must be a list", key);
	key_pos(p, key);
	cJSON_ArrayForEach(it, list)
	{
		if (ep_array_reserve((void **)&in->r, &in->cap, in->n + 1, sizeof(*in->r)))
			return EP_ENOMEM;
		rc = parse_rule(p, it, exception, ++i, &in->r[in->n], now);
		if (rc) {
			/* the half-built rule is not counted yet: free its port sets here */
			for (int k = 0; k < EP_PROTO_COUNT; k++) {
				ep_portset_free(&in->r[in->n].allow[k]);
				ep_portset_free(&in->r[in->n].deny[k]);
			}
			return rc;
		}
		in->n++;
	}
	return 0;
}

int ep_intent_parse(struct ep_intent *in, const char *text, size_t len, const char *name,
                    int64_t now, struct ep_diag *d)
{
	struct pctx p = {text, len, name, 0, d};
	const char *end = NULL;
	cJSON *doc = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	const cJSON *it;
	int rc = 0;

	memset(in, 0, sizeof(*in));
	if (doc == NULL) {
		p.cursor = end ? (size_t)(end - text) : 0;
		return fail_at(&p, NULL, "%s", "malformed JSON");
	}
	if (!cJSON_IsObject(doc))
		rc = fail_at(&p, NULL, "%s", "the intent file must be a JSON object");
	cJSON_ArrayForEach(it, doc)
	{
		if (rc == 0 && strcmp(it->string, "version") && strcmp(it->string, "rules") &&
		    strcmp(it->string, "exceptions") && strcmp(it->string, "description"))
			rc = fail_at(&p, it->string, "unknown key \"%s\"", it->string);
	}
	it = cJSON_GetObjectItemCaseSensitive(doc, "version");
	if (rc == 0 && (!cJSON_IsNumber(it) || it->valueint != 1))
		rc = fail_at(&p, it ? "version" : NULL, "%s", "\"version\": 1 is required");
	if (rc == 0)
		rc = parse_list(&p, doc, "rules", 0, in, now);
	if (rc == 0)
		rc = parse_list(&p, doc, "exceptions", 1, in, now);
	cJSON_Delete(doc);
	if (rc)
		ep_intent_free(in);
	return rc;
}

int ep_intent_load(struct ep_intent *in, const char *path, int64_t now, struct ep_diag *d)
{
	FILE *f = fopen(path, "rb");
	struct ep_buf b;
	char chunk[8192];
	size_t n;
	int rc;

	memset(in, 0, sizeof(*in));
	snprintf(d->file, sizeof(d->file), "%s", path);
	if (f == NULL)
		return ep_diag_set(d, EP_EIO, 0, 0, "cannot open: %s", strerror(errno));
	ep_buf_init(&b, 16u << 20);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (ep_buf_add(&b, chunk, n)) {
			fclose(f);
			ep_buf_free(&b);
			return ep_diag_set(d, EP_ERANGE, 0, 0, "larger than 16 MiB");
		}
	fclose(f);
	rc = ep_intent_parse(in, b.data ? b.data : "", b.len, path, now, d);
	ep_buf_free(&b);
	return rc;
}

/* ---- matching ---- */

static const char *tag_value(const cJSON *tags, const char *key)
{
	const cJSON *t;

	cJSON_ArrayForEach(t, tags)
	{
		const cJSON *k = cJSON_GetObjectItemCaseSensitive(t, "key");
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(t, "value");

		if (k == NULL) { /* ECS spells them with capitals in some shapes */
			k = cJSON_GetObjectItemCaseSensitive(t, "Key");
			v = cJSON_GetObjectItemCaseSensitive(t, "Value");
		}
		if (cJSON_IsString(k) && strcmp(k->valuestring, key) == 0)
			return cJSON_IsString(v) ? v->valuestring : "";
	}
	return NULL;
}

static const cJSON *group_obj(const cJSON *groups, const char *id)
{
	const cJSON *g;

	cJSON_ArrayForEach(g, groups)
	{
		const cJSON *gid = cJSON_GetObjectItemCaseSensitive(g, "groupId");

		if (cJSON_IsString(gid) && strcmp(gid->valuestring, id) == 0)
			return g;
	}
	return NULL;
}

/* A tag of the interface, one of its groups, or its service. */
static const char *subject_tag(const struct ep_intent_subject *s, const char *key, char *where,
                               size_t wlen)
{
	const char *v = tag_value(cJSON_GetObjectItemCaseSensitive(s->eni, "tagSet"), key);
	const cJSON *ref;

	if (v) {
		snprintf(where, wlen, "tag %s on the interface", key);
		return v;
	}
	cJSON_ArrayForEach(ref, cJSON_GetObjectItemCaseSensitive(s->eni, "groupSet"))
	{
		const cJSON *gid = cJSON_GetObjectItemCaseSensitive(ref, "groupId");
		const cJSON *g =
		    cJSON_IsString(gid) ? group_obj(s->groups, gid->valuestring) : NULL;

		v = g ? tag_value(cJSON_GetObjectItemCaseSensitive(g, "tagSet"), key) : NULL;
		if (v) {
			snprintf(where, wlen, "tag %s on %s", key, gid->valuestring);
			return v;
		}
	}
	v = s->service_obj
	        ? tag_value(cJSON_GetObjectItemCaseSensitive(s->service_obj, "tags"), key)
	        : NULL;
	if (v)
		snprintf(where, wlen, "tag %s on service %s", key, s->service ? s->service : "?");
	return v;
}

static int has_group(const struct ep_intent_subject *s, const char *id)
{
	const cJSON *ref;

	cJSON_ArrayForEach(ref, cJSON_GetObjectItemCaseSensitive(s->eni, "groupSet"))
	{
		const cJSON *gid = cJSON_GetObjectItemCaseSensitive(ref, "groupId");

		if (cJSON_IsString(gid) && strcmp(gid->valuestring, id) == 0)
			return 1;
	}
	return 0;
}

static int eq(const char *want, const char *have)
{
	return want[0] == '\0' || (have && strcmp(want, have) == 0);
}

static int matches(const struct ep_intent_match *m, const struct ep_intent_subject *s)
{
	char where[128];

	if (!eq(m->account, s->account) || !eq(m->region, s->region) ||
	    !eq(m->cluster, s->cluster) || !eq(m->service, s->service) ||
	    !eq(m->task_family, s->task_family) || !eq(m->interface_type, s->interface_type))
		return 0;
	if (m->security_group[0] && !has_group(s, m->security_group))
		return 0;
	for (int i = 0; i < m->ntags; i++) {
		const char *v = subject_tag(s, m->tag_key[i], where, sizeof(where));

		if (v == NULL || strcmp(v, m->tag_value[i]) != 0)
			return 0;
	}
	if (m->has_cidr) {
		ep_u128 a = ep_addr_to_u128(s->addr);

		if (m->cidr.family != s->addr->family || a < m->cidr.lo || a > m->cidr.hi)
			return 0;
	}
	return 1;
}

static int in_sets(const struct ep_portset sets[EP_PROTO_COUNT], int proto, uint16_t port)
{
	return ep_portset_has(&sets[proto == 17 ? EP_PROTO_UDP : EP_PROTO_TCP], port);
}

/* "tcp/443,udp/53" in an ecsprobe:allow tag */
static int tag_allows(const struct ep_intent_subject *s, int proto, uint16_t port)
{
	struct ep_intent_view v;

	if (proto != 6)
		return 0;
	ep_intent_view(NULL, s, 0, &v);
	return ep_intent_view_has(v.allow, port);
}

enum ep_intent_verdict ep_intent_check(const struct ep_intent *in,
                                       const struct ep_intent_subject *s, int proto, uint16_t port,
                                       int64_t now, char *why, size_t whylen)
{
	enum ep_intent_verdict v = EP_INTENT_NONE;
	char where[128];
	const char *tag;

	why[0] = '\0';
	for (size_t i = 0; in && i < in->n; i++) {
		const struct ep_intent_rule *r = &in->r[i];

		if (!matches(&r->match, s))
			continue;
		if (in_sets(r->deny, proto, port)) {
			snprintf(why, whylen, "%s denies it%s%s", r->where,
			         r->reason[0] ? ": " : "", r->reason);
			return EP_INTENT_DENY;
		}
		if (v != EP_INTENT_ALLOW && in_sets(r->allow, proto, port)) {
			if (r->expires && now >= r->expires) {
				snprintf(why, whylen, "%s allowed it until it expired: %s",
				         r->where, r->reason);
				v = EP_INTENT_EXPIRED;
			} else {
				snprintf(why, whylen, "%s allows it%s%s", r->where,
				         r->reason[0] ? ": " : "", r->reason);
				v = EP_INTENT_ALLOW;
			}
		}
	}
	if (v != EP_INTENT_ALLOW &&
	    (tag = subject_tag(s, "ecsprobe:allow", where, sizeof(where))) &&
	    tag_allows(s, proto, port)) {
		snprintf(why, whylen, "%s = %s allows it", where, tag);
		v = EP_INTENT_ALLOW;
	}
	return v;
}

static void set_from(uint64_t *bits, const struct ep_portset *ps)
{
	for (uint32_t r = 0; r < ps->nranges; r++)
		for (unsigned p = ps->r[r].lo; p <= ps->r[r].hi; p++)
			bits[p >> 6] |= 1ULL << (p & 63);
}

void ep_intent_view(const struct ep_intent *in, const struct ep_intent_subject *s, int64_t now,
                    struct ep_intent_view *out)
{
	char where[128];
	const char *tag;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; in && i < in->n; i++) {
		const struct ep_intent_rule *r = &in->r[i];

		if (!matches(&r->match, s))
			continue;
		set_from(out->deny, &r->deny[EP_PROTO_TCP]);
		set_from(r->expires && now >= r->expires ? out->expired : out->allow,
		         &r->allow[EP_PROTO_TCP]);
	}
	tag = subject_tag(s, "ecsprobe:allow", where, sizeof(where));
	if (tag) {
		struct ep_intent scratch;
		struct ep_buf b;
		struct ep_diag d = {0};
		size_t i = 0;

		ep_buf_init(&b, 4096);
		ep_buf_adds(&b, "{\"version\":1,\"rules\":[{\"allow\":[");
		while (tag[i]) {
			size_t len = strcspn(tag + i, ", ");
			char item[64];

			if (len && len < sizeof(item)) {
				memcpy(item, tag + i, len);
				item[len] = '\0';
				ep_buf_adds(&b, b.data[b.len - 1] == '[' ? "" : ",");
				ep_buf_json_str(&b, item);
			}
			i += len;
			i += strspn(tag + i, ", ");
		}
		ep_buf_adds(&b, "]}]}");
		if (b.data && ep_intent_parse(&scratch, b.data, b.len, "tag", 0, &d) == 0) {
			if (scratch.n)
				set_from(out->allow, &scratch.r[0].allow[EP_PROTO_TCP]);
			ep_intent_free(&scratch);
		}
		ep_buf_free(&b);
	}
}

int ep_intent_view_has(const uint64_t *bits, uint16_t port)
{
	return (int)((bits[port >> 6] >> (port & 63)) & 1);
}
