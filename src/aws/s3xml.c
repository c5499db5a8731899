/* What S3 answers, read as untrusted input: ListObjectsV2 pages, error
 * bodies, the upload id of a new multipart upload, the result of completing
 * one, and single header values.  Bodies are parsed with the network off and
 * no DTD (ep_xml_parse_safe); every length is checked before it is kept. */
#include "aws/s3.h"

#include <libxml/parser.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/xmljson.h"

/* Text of the first child element called name, or NULL; the caller frees it
 * with xmlFree.  xmlNodeGetContent joins every text piece (entities and
 * character references split text into several nodes). */
static xmlChar *child_text(xmlNodePtr node, const char *name)
{
	for (xmlNodePtr n = node ? node->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0)
			return xmlNodeGetContent(n);
	return NULL;
}

/* Copies s into out as one printable line: controls become spaces, and the
 * end is cut at outlen (never inside a UTF-8 sequence). */
static void one_line(const char *s, char *out, size_t outlen)
{
	size_t n = 0;

	if (outlen == 0)
		return;
	for (; s && s[n] && n + 1 < outlen; n++)
		out[n] = ((unsigned char)s[n] < 0x20 || s[n] == 0x7f) ? ' ' : s[n];
	/* cut: step back to the start of the sequence that did not fit */
	if (s && s[n] != '\0')
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	out[n] = '\0';
}

static int parse_u64(const char *s, uint64_t *v)
{
	uint64_t x = 0;

	if (s == NULL || *s == '\0')
		return EP_EPARSE;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || x > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return EP_EPARSE;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*v = x;
	return 0;
}

static int add_object(struct ep_s3_listing *l, xmlNodePtr c, struct ep_diag *d)
{
	xmlChar *key = child_text(c, "Key"), *size = child_text(c, "Size");
	uint64_t sz = 0;
	size_t kl = key ? strlen((const char *)key) : 0;
	int rc = 0;

	if (key == NULL || kl == 0 || kl > EP_S3_MAX_KEY) {
		rc = ep_diag_set(d, EP_EPARSE, 0, 0, "an object with %s key",
		                 key == NULL || kl == 0 ? "no" : "a too long");
		goto out;
	}
	for (size_t i = 0; i < kl; i++)
		if (key[i] < 0x20 || key[i] == 0x7f) {
			rc = ep_diag_set(d, EP_EPARSE, 0, 0, "key '%.80s' has a control character",
			                 key);
			goto out;
		}
	if (parse_u64((const char *)size, &sz)) {
		rc = ep_diag_set(d, EP_EPARSE, 0, 0, "key '%.80s': bad Size '%.20s'", key,
		                 size ? (const char *)size : "");
		goto out;
	}
	if (l->n >= EP_S3_MAX_OBJECTS) {
		rc = ep_diag_set(d, EP_ERANGE, 0, 0, "more than %d objects", EP_S3_MAX_OBJECTS);
		goto out;
	}
	if (ep_array_reserve((void **)&l->objs, &l->cap, l->n + 1, sizeof(*l->objs))) {
		rc = ep_diag_set(d, EP_ENOMEM, 0, 0, "out of memory");
		goto out;
	}
	l->objs[l->n].key = strdup((const char *)key);
	if (l->objs[l->n].key == NULL) {
		rc = ep_diag_set(d, EP_ENOMEM, 0, 0, "out of memory");
		goto out;
	}
	l->objs[l->n++].size = sz;
out:
	xmlFree(key);
	xmlFree(size);
	return rc;
}

int ep_s3_list_parse(const char *xml, size_t len, struct ep_s3_listing *l, struct ep_diag *d)
{
	char err[128];
	xmlDocPtr doc;
	xmlNodePtr root;
	xmlChar *trunc = NULL, *token = NULL;
	int rc = 0;

	l->truncated = 0;
	l->token[0] = '\0';
	if (len > EP_S3_MAX_LIST_XML)
		return ep_diag_set(d, EP_ERANGE, 0, 0, "a page of %zu bytes", len);
	doc = ep_xml_parse_safe(xml, len, err, sizeof(err));
	if (doc == NULL)
		return ep_diag_set(d, EP_EPARSE, 0, 0, "%s", err);
	root = xmlDocGetRootElement(doc);
	if (strcmp((const char *)root->name, "ListBucketResult") != 0) {
		rc = ep_diag_set(d, EP_EPARSE, 0, 0, "<%.40s> instead of a listing",
		                 (const char *)root->name);
		goto out;
	}
	for (xmlNodePtr c = root->children; c && rc == 0; c = c->next)
		if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, "Contents") == 0)
			rc = add_object(l, c, d);
	if (rc)
		goto out;
	trunc = child_text(root, "IsTruncated");
	token = child_text(root, "NextContinuationToken");
	l->truncated = trunc != NULL && strcmp((const char *)trunc, "true") == 0;
	if (!l->truncated)
		goto out;
	if (token == NULL || token[0] == '\0' || strlen((const char *)token) >= sizeof(l->token))
		rc = ep_diag_set(d, EP_EPARSE, 0, 0, "a truncated page with %s continuation token",
		                 token == NULL || token[0] == '\0' ? "no" : "a too long");
	else
		memcpy(l->token, token, strlen((const char *)token) + 1);
out:
	xmlFree(trunc);
	xmlFree(token);
	xmlFreeDoc(doc);
	return rc;
}

void ep_s3_listing_free(struct ep_s3_listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->objs[i].key);
	free(l->objs);
	memset(l, 0, sizeof(*l));
}

static const char *status_code(long status)
{
	switch (status) {
	case 301:
		return "PermanentRedirect";
	case 304:
		return "NotModified";
	case 400:
		return "BadRequest";
	case 403:
		return "Forbidden";
	case 404:
		return "NotFound";
	case 412:
		return "PreconditionFailed";
	case 500:
		return "InternalError";
	case 503:
		return "ServiceUnavailable";
	default:
		return NULL;
	}
}

void ep_s3_error_parse(const char *body, size_t len, long status, char *code, size_t cl, char *msg,
                       size_t ml, char *region, size_t rl)
{
	char ignored[64];
	xmlDocPtr doc = len ? ep_xml_parse_safe(body, len, ignored, sizeof(ignored)) : NULL;
	xmlNodePtr err = doc ? ep_xml_find(xmlDocGetRootElement(doc), "Error") : NULL;
	xmlChar *c = child_text(err, "Code"), *m = child_text(err, "Message");
	xmlChar *r = child_text(err, "Region");
	const char *sc = status_code(status);
	char made[32];

	if (sc == NULL) {
		snprintf(made, sizeof(made), "HTTP%ld", status);
		sc = made;
	}
	one_line(c && c[0] ? (const char *)c : sc, code, cl);
	one_line(m ? (const char *)m : "", msg, ml);
	if (region && rl)
		one_line(r ? (const char *)r : "", region, rl);
	xmlFree(c);
	xmlFree(m);
	xmlFree(r);
	xmlFreeDoc(doc);
}

int ep_s3_upload_id_parse(const char *xml, size_t len, char *id, size_t idlen)
{
	char err[64];
	xmlDocPtr doc = ep_xml_parse_safe(xml, len, err, sizeof(err));
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
	xmlChar *v = NULL;
	int rc = EP_EPARSE;

	if (root && strcmp((const char *)root->name, "InitiateMultipartUploadResult") == 0)
		v = child_text(root, "UploadId");
	if (v && v[0] && strlen((const char *)v) < idlen) {
		rc = 0;
		for (const xmlChar *p = v; *p; p++)
			if (*p <= 0x20 || *p >= 0x7f)
				rc = EP_EPARSE;
		if (rc == 0)
			memcpy(id, v, strlen((const char *)v) + 1);
	}
	xmlFree(v);
	xmlFreeDoc(doc);
	return rc;
}

int ep_s3_complete_parse(const char *xml, size_t len, char *code, size_t cl, char *msg, size_t ml)
{
	char err[64];
	xmlDocPtr doc = ep_xml_parse_safe(xml, len, err, sizeof(err));
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
	int rc = 0;

	if (root == NULL || strcmp((const char *)root->name, "CompleteMultipartUploadResult")) {
		/* S3 may answer 200 and then an <Error>: the upload did not complete */
		ep_s3_error_parse(xml, len, 500, code, cl, msg, ml, NULL, 0);
		if (root == NULL || strcmp((const char *)root->name, "Error") != 0) {
			snprintf(code, cl, "ParseError");
			snprintf(msg, ml, "%s", root ? "unexpected answer" : err);
		}
		rc = EP_EIO;
	}
	xmlFreeDoc(doc);
	return rc;
}

int ep_s3_header(const char *head, size_t len, const char *name, char *out, size_t outlen)
{
	size_t nl = strlen(name);
	const char *p = head, *end = head + len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end, *v;

		if ((size_t)(le - p) > nl && p[nl] == ':' && strncasecmp(p, name, nl) == 0) {
			size_t vl;

			v = p + nl + 1;
			while (v < le && (*v == ' ' || *v == '\t'))
				v++;
			while (le > v && (le[-1] == '\r' || le[-1] == ' ' || le[-1] == '\t'))
				le--;
			vl = (size_t)(le - v);
			if (outlen == 0)
				return EP_ENOENT;
			if (vl >= outlen)
				vl = outlen - 1;
			memcpy(out, v, vl);
			out[vl] = '\0';
			return 0;
		}
		p = eol ? eol + 1 : end;
	}
	return EP_ENOENT;
}
