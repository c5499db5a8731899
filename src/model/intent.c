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
#include "base/jsonscan.h"
#include "report/objects.h"

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

/* "YYYY-MM-DD" exactly, and a day that exists (2027-02-31 does not). */
static int64_t parse_date(const char *s)
{
	struct tm tm, back;
	int y, mo, d;
	time_t t;

	if (s == NULL || strlen(s) != 10 || strspn(s, "0123456789-") != 10 || s[4] != '-' ||
	    s[7] != '-' || sscanf(s, "%4d-%2d-%2d", &y, &mo, &d) != 3 || mo < 1 || mo > 12 ||
	    d < 1 || d > 31)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	t = timegm(&tm);
	if (gmtime_r(&t, &back) == NULL || back.tm_mday != d || back.tm_mon != mo - 1)
		return -1; /* timegm normalised it: no such day */
	/* an exception dated D holds through the end of that day (UTC) */
	return (int64_t)t + 86400;
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

		/* only ports after the slash: "udp/1,T:6379" must not deny tcp/6379 */
		if (s == NULL || slash == NULL ||
		    !((plen == 3 && strncmp(s, "tcp", 3) == 0) ||
		      (plen == 3 && strncmp(s, "udp", 3) == 0)) ||
		    (strcmp(slash + 1, "*") != 0 &&
		     slash[1 + strspn(slash + 1, "0123456789-,")] != '\0')) {
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

static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
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
			/* AWS's limits, in characters: longer never matches a real tag */
			if (utf8_chars(t->string) > 128 || utf8_chars(t->valuestring) > 256)
				return fail_at(
				    p, t->string,
				    "\"tag\": a key of at most 128 characters and a value "
				    "of at most 256 (AWS's limits)%s",
				    "");
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
	char why[200];
	int rc = 0;

	memset(in, 0, sizeof(*in));
	if (doc == NULL) {
		p.cursor = end ? (size_t)(end - text) : 0;
		return fail_at(&p, NULL, "%s", "malformed JSON");
	}
	rc = ep_json_scan(text, len, &p.cursor, why, sizeof(why));
	if (rc == 0 && end) {
		size_t at = (size_t)(end - text);

		while (at < len && (text[at] == ' ' || text[at] == '\t' || text[at] == '\r' ||
		                    text[at] == '\n'))
			at++;
		if (at < len) {
			p.cursor = at;
			snprintf(why, sizeof(why), "content after the JSON document");
			rc = EP_EPARSE;
		}
	}
	if (rc) {
		cJSON_Delete(doc);
		return fail_at(&p, NULL, "%s", why);
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
	struct ep_diag od = {0};
	FILE *f = ep_input_open(path, &od); /* a local file or an S3 object */
	struct ep_buf b;
	char chunk[8192];
	size_t n;
	int rc;

	memset(in, 0, sizeof(*in));
	snprintf(d->file, sizeof(d->file), "%s", path);
	if (f == NULL)
		return ep_diag_set(d, EP_EIO, 0, 0, "%s", od.msg);
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

int ep_intent_parse_tag(const char *value, struct ep_portset sets[EP_PROTO_COUNT])
{
	struct ep_buf spec;
	size_t i = 0;
	int rc = 0;

	memset(sets, 0, sizeof(*sets) * EP_PROTO_COUNT);
	ep_buf_init(&spec, 64 << 10);
	while (value[i] && rc == 0) {
		size_t len = strcspn(value + i, ", ");

		if (len > 4 &&
		    (strncmp(value + i, "tcp/", 4) == 0 || strncmp(value + i, "udp/", 4) == 0))
			ep_buf_printf(&spec, "%s%c:%.*s", spec.len ? "," : "",
			              value[i] == 't' ? 'T' : 'U', (int)(len - 4),
			              len == 5 && value[i + 4] == '*' ? "-" : value + i + 4);
		else if (len)
			rc = EP_EPARSE;
		i += len;
		i += strspn(value + i, ", ");
	}
	if (rc == 0 && spec.data == NULL)
		rc = EP_EPARSE; /* empty, or the buffer's cap */
	if (rc == 0 && ep_portspec_parse(spec.data, sets, NULL))
		rc = EP_EPARSE;
	ep_buf_free(&spec);
	return rc;
}

static int has_group(const struct ep_intent_subject *s, const char *id_or_name)
{
	for (size_t i = 0; i < s->ngroups; i++)
		if ((s->groups[i].id && strcmp(s->groups[i].id, id_or_name) == 0) ||
		    (s->groups[i].name && s->groups[i].name[0] &&
		     strcmp(s->groups[i].name, id_or_name) == 0))
			return 1;
	return 0;
}

/* A tag matches when the interface, one of its groups or its service has it. */
static int has_tag(const struct ep_intent_subject *s, const char *key, const char *value)
{
	const char *v = ep_tags_get(s->tags, key);

	if (v && strcmp(v, value) == 0)
		return 1;
	for (size_t i = 0; i < s->ngroups; i++) {
		v = ep_tags_get(s->groups[i].tags, key);
		if (v && strcmp(v, value) == 0)
			return 1;
	}
	v = ep_tags_get(s->service_tags, key);
	return v && strcmp(v, value) == 0;
}

static int eq(const char *want, const char *have)
{
	return want[0] == '\0' || (have && strcmp(want, have) == 0);
}

static int matches(const struct ep_intent_match *m, const struct ep_intent_subject *s)
{
	if (!eq(m->account, s->account) || !eq(m->region, s->region) ||
	    !eq(m->cluster, s->cluster) || !eq(m->service, s->service) ||
	    !eq(m->task_family, s->task_family) || !eq(m->interface_type, s->interface_type))
		return 0;
	if (m->security_group[0] && !has_group(s, m->security_group))
		return 0;
	for (int i = 0; i < m->ntags; i++)
		if (!has_tag(s, m->tag_key[i], m->tag_value[i]))
			return 0;
	if (m->has_cidr) {
		ep_u128 a = ep_addr_to_u128(s->addr);

		if (m->cidr.family != s->addr->family || a < m->cidr.lo || a > m->cidr.hi)
			return 0;
	}
	return 1;
}

/* Does the ecsprobe:allow tag value allow (proto, port)? */
static int tag_allows(const char *value, enum ep_proto proto, uint16_t port)
{
	struct ep_portset sets[EP_PROTO_COUNT];
	int yes;

	if (value == NULL || ep_intent_parse_tag(value, sets))
		return 0;
	yes = ep_portset_has(&sets[proto], port);
	ep_portset_free(&sets[EP_PROTO_TCP]);
	ep_portset_free(&sets[EP_PROTO_UDP]);
	return yes;
}

/* The first ecsprobe:allow tag (interface, groups, service) allowing the port. */
static enum ep_intent_source tag_source(const struct ep_intent_subject *s, enum ep_proto proto,
                                        uint16_t port, char *where, size_t len)
{
	const char *v = ep_tags_get(s->tags, EP_INTENT_ALLOW_TAG);

	if (tag_allows(v, proto, port)) {
		snprintf(where, len, "tag %s = %s on the interface", EP_INTENT_ALLOW_TAG, v);
		return EP_INTENT_BY_IFACE_TAG;
	}
	for (size_t i = 0; i < s->ngroups; i++) {
		v = ep_tags_get(s->groups[i].tags, EP_INTENT_ALLOW_TAG);
		if (tag_allows(v, proto, port)) {
			snprintf(where, len, "tag %s = %s on %s", EP_INTENT_ALLOW_TAG, v,
			         s->groups[i].id);
			return EP_INTENT_BY_GROUP_TAG;
		}
	}
	v = ep_tags_get(s->service_tags, EP_INTENT_ALLOW_TAG);
	if (tag_allows(v, proto, port)) {
		snprintf(where, len, "tag %s = %s on service %s", EP_INTENT_ALLOW_TAG, v,
		         s->service ? s->service : "?");
		return EP_INTENT_BY_SERVICE_TAG;
	}
	return EP_INTENT_BY_NOTHING;
}

enum ep_intent_verdict ep_intent_check(const struct ep_intent *in,
                                       const struct ep_intent_subject *s, enum ep_proto proto,
                                       uint16_t port, int64_t now, struct ep_intent_decision *out)
{
	const struct ep_intent_rule *permit = NULL, *expired = NULL;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; in && i < in->n; i++) {
		const struct ep_intent_rule *r = &in->r[i];

		if (!matches(&r->match, s))
			continue;
		if (ep_portset_has(&r->deny[proto], port)) {
			out->verdict = EP_INTENT_DENY;
			out->source = EP_INTENT_BY_RULE;
			out->rule = r;
			snprintf(out->where, sizeof(out->where), "%s denies it%s%s", r->where,
			         r->reason[0] ? ": " : "", r->reason);
			return out->verdict;
		}
		if (!ep_portset_has(&r->allow[proto], port))
			continue;
		if (r->expires && now >= r->expires) {
			if (expired == NULL)
				expired = r;
		} else if (permit == NULL || (permit->expires && !r->expires)) {
			permit = r; /* a rule outranks an exception */
		}
	}
	if (permit) {
		out->verdict = EP_INTENT_ALLOW;
		out->source = permit->expires ? EP_INTENT_BY_EXCEPTION : EP_INTENT_BY_RULE;
		out->rule = permit;
		snprintf(out->where, sizeof(out->where), "%s allows it%s%s", permit->where,
		         permit->reason[0] ? ": " : "", permit->reason);
		return out->verdict;
	}
	out->source = tag_source(s, proto, port, out->where, sizeof(out->where));
	if (out->source != EP_INTENT_BY_NOTHING) {
		size_t len = strlen(out->where);

		snprintf(out->where + len, sizeof(out->where) - len, " allows it");
		out->verdict = EP_INTENT_ALLOW;
		return out->verdict;
	}
	if (expired) {
		out->verdict = EP_INTENT_EXPIRED;
		out->source = EP_INTENT_BY_EXCEPTION;
		out->rule = expired;
		snprintf(out->where, sizeof(out->where), "%s allowed it until it expired: %s",
		         expired->where, expired->reason);
	}
	return out->verdict;
}

static void set_from(uint64_t *bits, const struct ep_portset *ps)
{
	for (uint32_t r = 0; r < ps->nranges; r++)
		ep_portbits_set(bits, ps->r[r].lo, ps->r[r].hi);
}

static void view_tag(struct ep_intent_view *out, const char *value)
{
	struct ep_portset sets[EP_PROTO_COUNT];

	if (value == NULL || ep_intent_parse_tag(value, sets))
		return;
	for (int k = 0; k < EP_PROTO_COUNT; k++) {
		set_from(out->p[k].permitted, &sets[k]);
		ep_portset_free(&sets[k]);
	}
}

void ep_intent_view(const struct ep_intent *in, const struct ep_intent_subject *s, int64_t now,
                    struct ep_intent_view *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; in && i < in->n; i++) {
		const struct ep_intent_rule *r = &in->r[i];

		if (!matches(&r->match, s))
			continue;
		for (int k = 0; k < EP_PROTO_COUNT; k++) {
			set_from(out->p[k].deny, &r->deny[k]);
			if (r->expires && now >= r->expires) {
				set_from(out->p[k].expired, &r->allow[k]);
				continue;
			}
			set_from(out->p[k].permitted, &r->allow[k]);
			if (!r->expires)
				set_from(out->p[k].intended, &r->allow[k]);
		}
	}
	/* the tags add up: the interface's, each group's and the service's */
	view_tag(out, ep_tags_get(s->tags, EP_INTENT_ALLOW_TAG));
	for (size_t i = 0; i < s->ngroups; i++)
		view_tag(out, ep_tags_get(s->groups[i].tags, EP_INTENT_ALLOW_TAG));
	view_tag(out, ep_tags_get(s->service_tags, EP_INTENT_ALLOW_TAG));
	/* expired: allowed by an expired exception and by nothing live */
	for (int k = 0; k < EP_PROTO_COUNT; k++)
		for (size_t w = 0; w < 1024; w++)
			out->p[k].expired[w] &= ~out->p[k].permitted[w];
}

int ep_intent_view_has(const uint64_t *bits, uint16_t port)
{
	return (int)((bits[port >> 6] >> (port & 63)) & 1);
}
