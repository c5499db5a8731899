/* Converts AWS Query-API XML (EC2's <xxxSet><item>, ELBv2's <member>) into
 * cJSON, keeping AWS's element names, so every Describe* answer becomes
 * document data with one generic function. */
#ifndef EP_XMLJSON_H
#define EP_XMLJSON_H

#include <cJSON.h>
#include <libxml/tree.h>

/* Parses an AWS XML body with the network off and no DTD: a body with a
 * DOCTYPE (entities) is refused, since AWS never sends one.  NULL on error,
 * with the reason in err. */
xmlDocPtr ep_xml_parse_safe(const char *body, size_t len, char *err, size_t errlen);
/* Element -> string (leaf), array (children all <item>/<member>, or an empty
 * "...Set"/"...s" list) or object.  Returns NULL on allocation failure.
 * Depth is capped at 32 (deeper content is dropped). */
cJSON *ep_xml_to_json(xmlNodePtr node);
/* Appends every <item>/<member> child of list to arr; returns the count. */
int ep_xml_items_to_json(xmlNodePtr list, cJSON *arr);

/* First element named `name` below node (depth-first), or NULL. */
xmlNodePtr ep_xml_find(xmlNodePtr node, const char *name);
/* Text of the child element `name` of node, or NULL.  Owned by the doc. */
const char *ep_xml_child_text(xmlNodePtr node, const char *name);

#endif
