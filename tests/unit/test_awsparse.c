/* AWS-side parsers: shared config/credentials INI, the safe XML reader
 * (hostile and truncated input refused) and the XML-to-JSON conversion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "aws/call.h"
#include "aws/creds.h"
#include "aws/ini.h"
#include "aws/xmljson.h"

static void test_ini_profiles(void **state)
{
	static const char text[] = "# comment\n[default]\naws_access_key_id = AKID1\n"
	                           "aws_secret_access_key=SECRET1 \n\n[profile prod]\n"
	                           "role_arn = arn:aws:iam::222233334444:role/audit\n"
	                           "source_profile = default\nexternal_id = ext-1\n"
	                           "s3 =\n  max_concurrent_requests = 10\n; other\n";
	struct ep_ini ini;
	struct ep_diag d = {0};

	(void)state;
	assert_int_equal(ep_ini_parse(&ini, text, strlen(text), &d), 0);
	assert_string_equal(ep_ini_get(&ini, "default", "aws_access_key_id"), "AKID1");
	assert_string_equal(ep_ini_get(&ini, "default", "aws_secret_access_key"), "SECRET1");
	assert_string_equal(ep_ini_get(&ini, "profile prod", "external_id"), "ext-1");
	assert_null(ep_ini_get(&ini, "profile prod", "max_concurrent_requests"));
	assert_true(ep_ini_has_section(&ini, "profile prod"));
	assert_false(ep_ini_has_section(&ini, "profile dev"));
	ep_ini_free(&ini);
}

static void test_ini_errors(void **state)
{
	struct ep_ini ini;
	struct ep_diag d = {0};

	(void)state;
	assert_int_equal(ep_ini_parse(&ini, "[a]\nok = 1\n[broken\n", 19, &d), EP_EPARSE);
	assert_int_equal(d.line, 3);
	assert_non_null(strstr(d.msg, "']'"));
	ep_ini_free(&ini);
	memset(&d, 0, sizeof(d));
	assert_int_equal(ep_ini_parse(&ini, "key = v\n", 8, &d), EP_EPARSE);
	assert_int_equal(d.line, 1);
	assert_non_null(strstr(d.msg, "outside"));
	ep_ini_free(&ini);
	memset(&d, 0, sizeof(d));
	assert_int_equal(ep_ini_parse(&ini, "[a]\nnovalue\n", 12, &d), EP_EPARSE);
	assert_int_equal(d.line, 2);
	ep_ini_free(&ini);
}

static void test_xml_to_json(void **state)
{
	static const char xml[] =
	    "<?xml version=\"1.0\"?><DescribeSecurityGroupsResponse "
	    "xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>r</requestId>"
	    "<securityGroupInfo><item><groupId>sg-1</groupId><ipPermissions><item>"
	    "<ipProtocol>tcp</ipProtocol><fromPort>22</fromPort><ipRanges><item><cidrIp>"
	    "10.0.0.0/8</cidrIp></item></ipRanges><groups/></item></ipPermissions></item>"
	    "<item><groupId>sg-2</groupId><ipPermissions/></item></securityGroupInfo>"
	    "</DescribeSecurityGroupsResponse>";
	char err[128];
	xmlDocPtr doc = ep_xml_parse_safe(xml, sizeof(xml) - 1, err, sizeof(err));
	cJSON *arr = cJSON_CreateArray(), *perm;

	(void)state;
	assert_non_null(doc);
	assert_int_equal(ep_xml_items_to_json(ep_xml_find(xmlDocGetRootElement(doc),
	                                                  "securityGroupInfo"),
	                                      arr),
	                 2);
	perm = cJSON_GetArrayItem(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 0), "ipPermissions"), 0);
	assert_string_equal(cJSON_GetObjectItem(perm, "fromPort")->valuestring, "22");
	assert_string_equal(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(perm, "ipRanges"), 0),
	                        "cidrIp")
	        ->valuestring,
	    "10.0.0.0/8");
	assert_true(cJSON_IsArray(cJSON_GetObjectItem(perm, "groups")));
	/* an empty list is still a list */
	assert_true(
	    cJSON_IsArray(cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 1), "ipPermissions")));
	cJSON_Delete(arr);
	xmlFreeDoc(doc);
}

static void test_xml_hostile(void **state)
{
	static const char bomb[] = "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaa\">"
	                           "<!ENTITY b \"&a;&a;&a;&a;\">]><l>&b;</l>";
	static const char cut[] = "<DescribeRegionsResponse><regionInfo><item><regionName>us-e";
	char err[128];

	(void)state;
	assert_null(ep_xml_parse_safe(bomb, sizeof(bomb) - 1, err, sizeof(err)));
	assert_non_null(strstr(err, "DOCTYPE"));
	assert_null(ep_xml_parse_safe(cut, sizeof(cut) - 1, err, sizeof(err)));
	assert_non_null(strstr(err, "malformed"));
	assert_null(ep_xml_parse_safe("", 0, err, sizeof(err)));
}

static void test_iso8601(void **state)
{
	(void)state;
	assert_int_equal(ep_parse_iso8601("2015-08-30T12:36:00Z"), 1440938160);
	assert_int_equal(ep_parse_iso8601("2015-08-30T12:36:00.000Z"), 1440938160);
	assert_int_equal(ep_parse_iso8601("yesterday"), -1);
}

static void test_urlencode(void **state)
{
	struct ep_buf b;

	(void)state;
	ep_buf_init(&b, 1024);
	ep_aws_urlencode(&b, "arn:aws:iam::1:role/a b+c~");
	assert_string_equal(b.data, "arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fa%20b%2Bc~");
	ep_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ini_profiles), cmocka_unit_test(test_ini_errors),
	    cmocka_unit_test(test_xml_to_json),  cmocka_unit_test(test_xml_hostile),
	    cmocka_unit_test(test_iso8601),      cmocka_unit_test(test_urlencode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
