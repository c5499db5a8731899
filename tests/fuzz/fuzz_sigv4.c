/* Fuzz harness: SigV4 canonicalisation.  The input is HTTP request text in the
 * aws4_testsuite .req shape (request line, headers, blank line, body), so the
 * vectors in tests/data/sigv4 serve as seeds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/sign.h"

#define MAX_INPUT  (64 * 1024)
#define MAX_FIELDS (EP_SIGV4_MAX_HEADERS + 4)
#define SECRET     "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Cuts the line starting at *cur (dropping a trailing CR) and advances. */
static char *next_line(char **cur, char *end)
{
	char *line = *cur, *nl = memchr(line, '\n', (size_t)(end - line));

	*cur = nl ? nl + 1 : end;
	if (nl == NULL)
		nl = end;
	*nl = '\0';
	if (nl > line && nl[-1] == '\r')
		nl[-1] = '\0';
	return line;
}

/* Each byte of s is in the unreserved set, '/', '=', '&' or a "%XX" with
 * upper-case hex: what the canonical URI and query lines may hold. */
static int canonical_chars(const char *s, const char *end)
{
	for (; s < end; s++) {
		if (strchr("-_.~/=&", *s) != NULL || (*s >= '0' && *s <= '9') ||
		    (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))
			continue;
		if (*s != '%' || end - s < 3 || strchr("0123456789ABCDEF", s[1]) == NULL ||
		    strchr("0123456789ABCDEF", s[2]) == NULL)
			return 0;
		s += 2;
	}
	return 1;
}

static void check(const struct ep_sigv4_out *o, const struct ep_sigv4_req *r,
                  const struct ep_aws_creds *c)
{
	const char *creq = o->canonical_request.data;
	const char *l1 = strchr(creq, '\n'), *l2, *l3;
	struct ep_sigv4_out again;

	if (l1 == NULL || (l2 = strchr(l1 + 1, '\n')) == NULL ||
	    (l3 = strchr(l2 + 1, '\n')) == NULL)
		abort();
	/* URI then query: encoded, the URI rooted */
	if (l1[1] != '/' || !canonical_chars(l1 + 1, l2) || !canonical_chars(l2 + 1, l3))
		abort();
	if (strlen(creq) != o->canonical_request.len || strchr(creq, '\r') != NULL)
		abort();
	if (strncmp(o->authorization, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/", 40) != 0)
		abort();
	if (strstr(o->string_to_sign.data, SECRET) != NULL || o->nheaders < 2 || o->nheaders > 3)
		abort();
	/* deterministic: the same input signs the same */
	if (ep_sigv4_sign(r, c, &again) != 0 || strcmp(again.authorization, o->authorization) != 0)
		abort();
	ep_sigv4_out_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ep_http_header h[MAX_FIELDS];
	struct ep_sigv4_req r;
	struct ep_aws_creds c;
	struct ep_sigv4_out out;
	char *text, *cur, *end, *line, *sp, *q;
	size_t n = 0;

	if (size > MAX_INPUT)
		return 0;
	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	cur = text;
	end = text + size;
	memset(&r, 0, sizeof(r));
	memset(&c, 0, sizeof(c));
	memcpy(c.access_key, "AKIDEXAMPLE", sizeof("AKIDEXAMPLE"));
	memcpy(c.secret_key, SECRET, sizeof(SECRET));
	r.region = "us-east-1";
	r.service = "service";
	r.now = 1440938160;
	r.host = "example.amazonaws.com";

	/* request line: METHOD SP target [SP version]; the target may hold spaces */
	line = next_line(&cur, end);
	sp = strchr(line, ' ');
	r.method = line;
	if (sp != NULL) {
		*sp = '\0';
		r.path = sp + 1;
		sp = strrchr(sp + 1, ' ');
		if (sp != NULL && strncmp(sp + 1, "HTTP/", 5) == 0)
			*sp = '\0';
		q = strchr(r.path, '?');
		if (q != NULL) {
			*q = '\0';
			r.query = q + 1;
		}
	}
	while (cur < end) {
		char *colon;

		line = next_line(&cur, end);
		if (line[0] == '\0') {
			r.body = cur;
			r.body_len = (size_t)(end - cur);
			break;
		}
		colon = strchr(line, ':');
		if (colon == NULL || n == MAX_FIELDS)
			continue;
		*colon = '\0';
		if (strcmp(line, "Host") == 0)
			r.host = colon + 1;
		else if (strcmp(line, "X-Amz-Security-Token") == 0)
			c.session_token = colon + 1;
		else if (strcmp(line, "X-Amz-Date") != 0)
			h[n++] = (struct ep_http_header){line, colon + 1};
	}
	r.headers = h;
	r.nheaders = n;
	if (ep_sigv4_sign(&r, &c, &out) == 0)
		check(&out, &r, &c);
	ep_sigv4_out_free(&out);
	free(text);
	return 0;
}
