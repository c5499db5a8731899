/* ASFF rendering of a finding (see asff.h).  Built with cJSON: findings are
 * few (one per exposure, after the scan), and the Security Hub output wants
 * objects to put in its BatchImportFindings arrays. */
#include "report/asff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "compare/checks.h"
#include "report/export.h"

void ep_asff_id(const struct ep_finding *f, char *out, size_t len)
{
	snprintf(out, len, "ecsprobe/%s/%s/%s", f->account, f->region, f->id);
}

static cJSON *resource(cJSON *list, const char *type, const char *id, const char *part,
                       const char *region)
{
	cJSON *r = cJSON_CreateObject();

	if (r == NULL)
		return NULL;
	cJSON_AddItemToArray(list, r);
	cJSON_AddStringToObject(r, "Type", type);
	cJSON_AddStringToObject(r, "Id", id);
	cJSON_AddStringToObject(r, "Partition", part);
	cJSON_AddStringToObject(r, "Region", region);
	return r;
}

/* The service (or load balancer) and the network interface.  Load balancer
 * ARNs carry an id the inventory's owner string does not: its Id is the
 * name. */
static void resources(cJSON *o, const struct ep_finding *f)
{
	cJSON *list = cJSON_AddArrayToObject(o, "Resources"), *r, *det;
	const char *part = ep_export_partition(f->region);
	struct ep_owner ow;
	char arn[800], cl[400];

	ep_export_owner(f->owner, &ow);
	if (ow.kind == EP_OWNER_ECS) {
		snprintf(arn, sizeof(arn), "arn:%s:ecs:%s:%s:service/%s/%s", part, f->region,
		         f->account, ow.cluster, ow.service);
		snprintf(cl, sizeof(cl), "arn:%s:ecs:%s:%s:cluster/%s", part, f->region, f->account,
		         ow.cluster);
		r = resource(list, "AwsEcsService", arn, part, f->region);
		det =
		    cJSON_AddObjectToObject(cJSON_AddObjectToObject(r, "Details"), "AwsEcsService");
		cJSON_AddStringToObject(det, "Cluster", cl);
		cJSON_AddStringToObject(det, "Name", ow.service);
	} else if (ow.kind == EP_OWNER_LB) {
		resource(list, "AwsElbv2LoadBalancer", ow.name, part, f->region);
	}
	if (f->interface[0] || ow.kind == EP_OWNER_ENI) {
		const char *eni = f->interface[0] ? f->interface : ow.name;

		snprintf(arn, sizeof(arn), "arn:%s:ec2:%s:%s:network-interface/%s", part, f->region,
		         f->account, eni);
		r = resource(list, "AwsEc2NetworkInterface", arn, part, f->region);
		det = cJSON_AddObjectToObject(cJSON_AddObjectToObject(r, "Details"),
		                              "AwsEc2NetworkInterface");
		cJSON_AddStringToObject(det, "NetworkInterfaceId", eni);
	}
}

/* OpenPortRange and DestinationPort claim one contiguous range: a finding
 * with several leaves them out (its ports are in ProductFields). */
static void network(cJSON *o, const struct ep_finding *f)
{
	cJSON *n = cJSON_AddObjectToObject(o, "Network"), *range;

	cJSON_AddStringToObject(n, "Direction", "IN");
	cJSON_AddStringToObject(n, "Protocol", f->proto == EP_PROTO_UDP ? "UDP" : "TCP");
	cJSON_AddStringToObject(n, strchr(f->address, ':') ? "DestinationIpV6" : "DestinationIpV4",
	                        f->address);
	if (f->nranges != 1)
		return;
	cJSON_AddNumberToObject(n, "DestinationPort", f->lo);
	range = cJSON_AddObjectToObject(n, "OpenPortRange");
	cJSON_AddNumberToObject(range, "Begin", f->lo);
	cJSON_AddNumberToObject(range, "End", f->hi);
}

static void product_fields(cJSON *o, const struct ep_finding *f, const char *scan_id)
{
	cJSON *p = cJSON_AddObjectToObject(o, "ProductFields");
	char ports[EP_FINDING_PORTS_LEN], count[12];

	ep_finding_ports_text(f, ports, sizeof(ports));
	snprintf(count, sizeof(count), "%u", f->nports);
	cJSON_AddStringToObject(p, "ecsprobe/kind", ep_finding_kind_name(f->kind));
	cJSON_AddStringToObject(p, "ecsprobe/finding_id", f->id);
	cJSON_AddStringToObject(p, "ecsprobe/scan_id", scan_id);
	cJSON_AddStringToObject(p, "ecsprobe/owner", f->owner);
	cJSON_AddStringToObject(p, "ecsprobe/address", f->address);
	cJSON_AddStringToObject(p, "ecsprobe/ports", ports);
	cJSON_AddStringToObject(p, "ecsprobe/port_count", count); /* ProductFields are strings */
	if (f->rule[0])
		cJSON_AddStringToObject(p, "ecsprobe/rule", f->rule);
	cJSON_AddStringToObject(p, "ecsprobe/evidence", f->evidence);
	if (f->interface[0])
		cJSON_AddStringToObject(p, "ecsprobe/interface", f->interface);
}

/* Compliance: the public controls the finding fails (compare/checks.h) as
 * RelatedRequirements "STANDARD/CONTROL", Status FAILED; left out when the
 * finding meets none. */
static void compliance(cJSON *o, const struct ep_finding *f)
{
	unsigned ctl[32];
	size_t n = ep_checks_controls(f, ctl, sizeof(ctl) / sizeof(ctl[0]));
	cJSON *c, *req;
	char text[160];

	if (n == 0)
		return;
	c = cJSON_AddObjectToObject(o, "Compliance");
	cJSON_AddStringToObject(c, "Status", "FAILED");
	req = cJSON_AddArrayToObject(c, "RelatedRequirements");
	for (size_t i = 0; i < n; i++) {
		snprintf(text, sizeof(text), "%s/%s", ep_controls[ctl[i]].standard,
		         ep_controls[ctl[i]].id);
		cJSON_AddItemToArray(req, cJSON_CreateString(text));
	}
}

cJSON *ep_asff_finding(const struct ep_finding *f, const char *scan_id, const char *now)
{
	cJSON *o = cJSON_CreateObject(), *types, *sev, *rec;
	const char *kind = ep_finding_kind_name(f->kind);
	const char *created = f->first_seen[0] ? f->first_seen : now;
	const char *part = ep_export_partition(f->region);
	char buf[1100], ports[64]; /* a long list ends in "..." (the whole is in ProductFields) */

	if (o == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "SchemaVersion", "2018-10-08");
	ep_asff_id(f, buf, sizeof(buf));
	cJSON_AddStringToObject(o, "Id", buf);
	snprintf(buf, sizeof(buf), "arn:%s:securityhub:%s:%s:product/%s/default", part, f->region,
	         f->account, f->account);
	cJSON_AddStringToObject(o, "ProductArn", buf);
	cJSON_AddStringToObject(o, "ProductName", "ecsprobe");
	cJSON_AddStringToObject(o, "CompanyName", "ecsprobe");
	snprintf(buf, sizeof(buf), "ecsprobe/%s", kind);
	cJSON_AddStringToObject(o, "GeneratorId", buf);
	cJSON_AddStringToObject(o, "AwsAccountId", f->account);
	types = cJSON_AddArrayToObject(o, "Types");
	cJSON_AddItemToArray(types, cJSON_CreateString("Software and Configuration Checks/AWS "
	                                               "Security Best Practices/Network "
	                                               "Reachability"));
	if (f->kind == EP_FINDING_UNEXPLAINED_OPEN)
		cJSON_AddItemToArray(types, cJSON_CreateString("Unusual Behaviors/Network Flow"));
	cJSON_AddStringToObject(o, "CreatedAt", created);
	cJSON_AddStringToObject(o, "UpdatedAt", now);
	cJSON_AddStringToObject(o, "FirstObservedAt", created);
	cJSON_AddStringToObject(o, "LastObservedAt", f->last_seen[0] ? f->last_seen : now);
	sev = cJSON_AddObjectToObject(o, "Severity");
	cJSON_AddStringToObject(sev, "Label", ep_export_sev_asff(f->severity));
	cJSON_AddStringToObject(sev, "Original", ep_severity_name(f->severity));
	ep_finding_ports_text(f, ports, sizeof(ports));
	snprintf(buf, sizeof(buf), "%s: %s/%s on %s (%s)", kind, ep_finding_proto_name(f), ports,
	         f->owner, f->address);
	buf[255] = '\0'; /* Title: at most 256 characters */
	cJSON_AddStringToObject(o, "Title", buf);
	snprintf(buf, sizeof(buf), "%s. Evidence: %s.", f->message, f->evidence);
	buf[1023] = '\0'; /* Description: at most 1024 */
	cJSON_AddStringToObject(o, "Description", buf);
	rec = cJSON_AddObjectToObject(cJSON_AddObjectToObject(o, "Remediation"), "Recommendation");
	cJSON_AddStringToObject(rec, "Text", ep_export_kind_fix(f->kind));
	cJSON_AddStringToObject(o, "RecordState", "ACTIVE");
	network(o, f);
	compliance(o, f);
	resources(o, f);
	product_fields(o, f, scan_id);
	return o;
}

int ep_asff_finding_buf(struct ep_buf *b, const struct ep_finding *f, const char *scan_id,
                        const char *now)
{
	cJSON *o = ep_asff_finding(f, scan_id, now);
	char *text;
	int rc;

	if (o == NULL)
		return EP_ENOMEM;
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (text == NULL)
		return EP_ENOMEM;
	rc = ep_buf_adds(b, text);
	cJSON_free(text);
	return rc;
}
