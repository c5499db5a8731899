/* AWS answers: the body of a success (XML for Query APIs, JSON for JSON 1.1
 * APIs) and the error shapes (<Error><Code> or "__type"), and which error
 * codes AWS's standard retry mode retries. */
#include "aws/call.h"

#include <stdio.h>
#include <string.h>

#include "base/text.h"

#include "aws/xmljson.h"

int ep_aws_is_retryable_code(const char *code)
{
	static const char *const codes[] = {"Throttling",
	                                    "ThrottlingException",
	                                    "ThrottledException",
	                                    "RequestThrottledException",
	                                    "TooManyRequestsException",
	                                    "ProvisionedThroughputExceededException",
	                                    "TransactionInProgressException",
	                                    "RequestLimitExceeded",
	                                    "BandwidthLimitExceeded",
	                                    "LimitExceededException",
	                                    "RequestThrottled",
	                                    "SlowDown",
	                                    "PriorRequestNotComplete",
	                                    "EC2ThrottledException",
	                                    "RequestTimeout",
	                                    "RequestTimeoutException",
	                                    "InternalError",
	                                    "InternalFailure",
	                                    "ServiceUnavailable",
	                                    "ServerException"};

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(code, codes[i]) == 0)
			return 1;
	return 0;
}

/* Pulls Code/Message out of an XML or JSON error body. */
void ep_aws_parse_error(enum ep_aws_proto proto, const char *body, size_t len,
                        struct ep_aws_reply *r)
{
	if (proto == EP_AWS_JSON) {
		cJSON *j = cJSON_ParseWithLength(body, len);
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "__type");
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "message");

		if (m == NULL)
			m = cJSON_GetObjectItemCaseSensitive(j, "Message");
		if (cJSON_IsString(t)) {
			const char *hash = strrchr(t->valuestring, '#');

			snprintf(r->error_code, sizeof(r->error_code), "%s",
			         hash ? hash + 1 : t->valuestring);
		}
		if (cJSON_IsString(m))
			snprintf(r->error_msg, sizeof(r->error_msg), "%s", m->valuestring);
		cJSON_Delete(j);
	} else {
		char ignored[64];
		xmlDocPtr doc = ep_xml_parse_safe(body, len, ignored, sizeof(ignored));
		xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
		xmlNodePtr err = root ? ep_xml_find(root, "Error") : NULL;
		const char *code = ep_xml_child_text(err, "Code");
		const char *msg = ep_xml_child_text(err, "Message");

		if (code)
			snprintf(r->error_code, sizeof(r->error_code), "%s", code);
		if (msg)
			snprintf(r->error_msg, sizeof(r->error_msg), "%s", msg);
		xmlFreeDoc(doc);
	}
	if (r->error_code[0] == '\0')
		snprintf(r->error_code, sizeof(r->error_code), "HTTP%ld", r->status);
	/* one line: AWS messages can carry newlines (SignatureDoesNotMatch) */
	for (char *p = r->error_msg; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t' || (unsigned char)*p < 0x20)
			*p = ' ';
}

/* Parses a 200 body; returns 0 or fills the error and returns -1. */
int ep_aws_parse_body(enum ep_aws_proto proto, const char *body, size_t len, struct ep_aws_reply *r)
{
	if (proto == EP_AWS_JSON) {
		r->json = cJSON_ParseWithLength(body, len);
		if (r->json == NULL || !cJSON_IsObject(r->json)) {
			cJSON_Delete(r->json);
			r->json = NULL;
			snprintf(r->error_code, sizeof(r->error_code), "ParseError");
			snprintf(r->error_msg, sizeof(r->error_msg),
			         "malformed JSON response (%zu bytes)", len);
			return -1;
		}
		/* the boundary: past here every string is valid UTF-8 */
		if (ep_utf8_fix_json(r->json) < 0) {
			cJSON_Delete(r->json);
			r->json = NULL;
			snprintf(r->error_code, sizeof(r->error_code), "ParseError");
			snprintf(r->error_msg, sizeof(r->error_msg), "out of memory");
			return -1;
		}
		return 0;
	}
	r->xml = ep_xml_parse_safe(body, len, r->error_msg, sizeof(r->error_msg));
	if (r->xml == NULL) {
		snprintf(r->error_code, sizeof(r->error_code), "ParseError");
		return -1;
	}
	return 0;
}
