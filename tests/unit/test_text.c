/* base/text: UTF-8 repair at the boundary, escaping for humans and GitHub
 * workflow commands, and the outputs that use them (issue 12 item 5). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <cJSON.h>

#include "base/buf.h"
#include "base/text.h"
#include "compare/findings.h"

static void test_utf8_fix(void **state)
{
	char *s = strdup("ok \xc3\xa9 bad \xff \xc3\x28 \xed\xa0\x80 end");

	(void)state;
	assert_false(ep_utf8_valid(s));
	assert_int_equal(ep_utf8_fix(&s), 5); /* ff, c3, ed, a0, 80 */
	assert_true(ep_utf8_valid(s));
	assert_non_null(strstr(s, "ok \xc3\xa9 bad \xef\xbf\xbd "));
	assert_int_equal(ep_utf8_fix(&s), 0);
	free(s);
}

static void test_json_fix(void **state)
{
	cJSON *j = cJSON_Parse("{\"k\\u00e9\": [\"a\xff\", {\"n\xfe\": \"v\x80\"}], \"x\": 1}");
	char *text;

	(void)state;
	assert_non_null(j);
	assert_int_equal(ep_utf8_fix_json(j), 3);
	text = cJSON_PrintUnformatted(j);
	assert_true(ep_utf8_valid(text));
	free(text);
	cJSON_Delete(j);
}

static void test_json_writer(void **state)
{
	struct ep_buf b;

	(void)state;
	ep_buf_init(&b, 1024);
	assert_int_equal(ep_buf_json_str(&b, "a\xff\xc3\xa9\n"), 0);
	assert_string_equal(b.data, "\"a\\ufffd\xc3\xa9\\n\"");
	ep_buf_free(&b);
}

static void test_escape_for_humans(void **state)
{
	struct ep_buf b;
	char tmp[64];

	(void)state;
	ep_buf_init(&b, 1024);
	assert_int_equal(ep_text_escape(&b, "a\x1b[31mred\nx\\y\xc2\x9b\xff caf\xc3\xa9"), 0);
	assert_string_equal(b.data, "a\\x1b[31mred\\nx\\\\y\\x9b\\xff caf\xc3\xa9");
	ep_buf_free(&b);
	assert_true(ep_text_is_plain("plain caf\xc3\xa9"));
	assert_string_equal(ep_text_safe("a\nb", tmp, sizeof(tmp)), "a\\nb");
	/* truncated on an escape's boundary, never inside one */
	assert_string_equal(ep_text_safe("abc\n", tmp, 5), "abc");
}

static void test_github_commands(void **state)
{
	struct ep_buf b;

	(void)state;
	ep_buf_init(&b, 1024);
	ep_text_gh_data(&b, "api\n::error title=forged::x\r\n::stop-commands::tok 100%");
	assert_null(strchr(b.data, '\n'));
	assert_null(strchr(b.data, '\r'));
	assert_string_equal(b.data,
	                    "api%0A::error title=forged::x%0D%0A::stop-commands::tok 100%25");
	ep_buf_reset(&b);
	ep_text_gh_property(&b, "a:b,c\x1b");
	assert_string_equal(b.data, "a%3Ab%2Cc\\x1b");
	ep_buf_free(&b);
}

/* A container name with a newline and a workflow command: the human print
 * and the annotation stay on their own lines, nothing starts with "::"
 * except the one annotation ecsprobe writes. */
static void test_findings_cannot_forge(void **state)
{
	struct ep_finding f;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	int lines = 0, commands = 0;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.kind = EP_FINDING_UNEXPECTED_OPEN;
	snprintf(f.id, sizeof(f.id), "0123456789abcdef");
	snprintf(f.address, sizeof(f.address), "10.0.0.1");
	snprintf(f.owner, sizeof(f.owner),
	         "c/api\n::error title=forged::owned\n::stop-commands::x");
	snprintf(f.message, sizeof(f.message), "open \x1b]0;title\x07 port\n::warning::x");
	snprintf(f.evidence, sizeof(f.evidence), "from\r\n::error::y");
	ep_finding_set_ports(&f, 80, 80);
	ep_finding_print(out, &f);
	ep_finding_github(out, &f, 1);
	fclose(out);
	for (char *l = text; l && *l; l = strchr(l, '\n') + 1) {
		const char *s = l + strspn(l, " \t");

		lines++;
		commands += strncmp(s, "::", 2) == 0;
		assert_null(memchr(l, 0x1b, (size_t)(strchr(l, '\n') - l)));
		if (strchr(l, '\n') == NULL)
			break;
	}
	assert_int_equal(lines, 4); /* three of the print, one annotation */
	assert_int_equal(commands, 1);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_utf8_fix),        cmocka_unit_test(test_json_fix),
	    cmocka_unit_test(test_json_writer),     cmocka_unit_test(test_escape_for_humans),
	    cmocka_unit_test(test_github_commands), cmocka_unit_test(test_findings_cannot_forge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
