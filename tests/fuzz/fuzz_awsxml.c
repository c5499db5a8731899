/* Fuzz harness: AWS XML answers through the safe parser and the generic
 * XML-to-JSON conversion the inventory uses. */
#include <libxml/parser.h>
#include <stdint.h>
#include <stdlib.h>

#include "aws/call.h"
#include "aws/xmljson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	xmlDocPtr doc = ep_xml_parse_safe((const char *)data, size, err, sizeof(err));

	if (doc) {
		xmlNodePtr root = xmlDocGetRootElement(doc);
		cJSON *j = ep_xml_to_json(root);
		cJSON *arr = cJSON_CreateArray();
		char *text = cJSON_PrintUnformatted(j);

		ep_xml_items_to_json(ep_xml_find(root, "networkInterfaceSet"), arr);
		(void)ep_xml_child_text(ep_xml_find(root, "Error"), "Code");
		cJSON_free(text);
		cJSON_Delete(j);
		cJSON_Delete(arr);
		xmlFreeDoc(doc);
	}
	return 0;
}
