/* XML to JSON for AWS Query APIs. */
#include "aws/xmljson.h"

#include <libxml/parser.h>
#include <stdio.h>
#include <string.h>

#define MAX_DEPTH 32

static int is_item(xmlNodePtr n)
{
	return strcmp((const char *)n->name, "item") == 0 ||
	       strcmp((const char *)n->name, "member") == 0;
}

/* An empty element that AWS uses as a list (EC2's "...Set" and the list
 * names that lack the suffix) becomes [], not "". */
static int looks_like_list(const char *name)
{
	static const char *const lists[] = {
	    "groups",         "ipRanges",       "ipv6Ranges",
	    "prefixListIds",  "ipPermissions",  "ipPermissionsEgress",
	    "entries",        "routes",         "associations",
	    "attachments",    "SecurityGroups", "AvailabilityZones",
	    "Listeners",      "LoadBalancers",  "LoadBalancerAddresses",
	    "DefaultActions", "Certificates",   "AlpnPolicy"};
	size_t n = strlen(name);

	if (n > 3 && strcmp(name + n - 3, "Set") == 0)
		return 1;
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (strcmp(name, lists[i]) == 0)
			return 1;
	return 0;
}

static cJSON *convert(xmlNodePtr node, int depth)
{
	xmlNodePtr c;
	int elements = 0, items = 0;

	for (c = node->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		elements++;
		items += is_item(c);
	}
	if (elements == 0) {
		xmlChar *text;
		cJSON *s;

		if (looks_like_list((const char *)node->name))
			return cJSON_CreateArray();
		text = xmlNodeGetContent(node);
		s = cJSON_CreateString(text ? (const char *)text : "");
		xmlFree(text);
		return s;
	}
	if (depth >= MAX_DEPTH)
		return cJSON_CreateNull();
	if (items == elements) {
		cJSON *arr = cJSON_CreateArray();

		for (c = node->children; arr && c; c = c->next) {
			cJSON *v;

			if (c->type != XML_ELEMENT_NODE)
				continue;
			v = convert(c, depth + 1);
			if (v == NULL || !cJSON_AddItemToArray(arr, v)) {
				cJSON_Delete(v);
				cJSON_Delete(arr);
				return NULL;
			}
		}
		return arr;
	}
	{
		cJSON *obj = cJSON_CreateObject();

		for (c = node->children; obj && c; c = c->next) {
			cJSON *v;

			if (c->type != XML_ELEMENT_NODE)
				continue;
			v = convert(c, depth + 1);
			if (v == NULL || !cJSON_AddItemToObject(obj, (const char *)c->name, v)) {
				cJSON_Delete(v);
				cJSON_Delete(obj);
				return NULL;
			}
		}
		return obj;
	}
}

cJSON *ep_xml_to_json(xmlNodePtr node)
{
	return convert(node, 0);
}

int ep_xml_items_to_json(xmlNodePtr list, cJSON *arr)
{
	int n = 0;

	if (list == NULL)
		return 0;
	for (xmlNodePtr c = list->children; c; c = c->next) {
		cJSON *v;

		if (c->type != XML_ELEMENT_NODE || !is_item(c))
			continue;
		v = convert(c, 1);
		if (v && cJSON_AddItemToArray(arr, v))
			n++;
		else
			cJSON_Delete(v);
	}
	return n;
}

xmlDocPtr ep_xml_parse_safe(const char *body, size_t len, char *err, size_t errlen)
{
	xmlDocPtr doc;

	if (len > (size_t)0x7fffffff) {
		snprintf(err, errlen, "XML response too large");
		return NULL;
	}
	doc = xmlReadMemory(body, (int)len, NULL, NULL,
	                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc && doc->intSubset) {
		snprintf(err, errlen, "refused a DOCTYPE in the XML response (%zu bytes)", len);
		xmlFreeDoc(doc);
		return NULL;
	}
	if (doc == NULL || xmlDocGetRootElement(doc) == NULL) {
		snprintf(err, errlen, "malformed XML response (%zu bytes)", len);
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

xmlNodePtr ep_xml_find(xmlNodePtr node, const char *name)
{
	for (xmlNodePtr n = node; n; n = n->next) {
		xmlNodePtr found;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)n->name, name) == 0)
			return n;
		found = ep_xml_find(n->children, name);
		if (found)
			return found;
	}
	return NULL;
}

const char *ep_xml_child_text(xmlNodePtr node, const char *name)
{
	if (node == NULL)
		return NULL;
	for (xmlNodePtr n = node->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, name) != 0)
			continue;
		if (n->children && n->children->type == XML_TEXT_NODE)
			return (const char *)n->children->content;
		return "";
	}
	return NULL;
}
