/* AWS Security Finding Format (ASFF 2018-10-08): one ecsprobe finding as one
 * ASFF finding, shared by the asff sink and the Security Hub output
 * (BatchImportFindings takes these objects as they are). */
#ifndef EP_ASFF_H
#define EP_ASFF_H

#include <stddef.h>

#include <cJSON.h>

#include "base/buf.h"
#include "compare/findings.h"

/* The finding's Id, "ecsprobe/ACCOUNT/REGION/FINDING_ID": stable across runs
 * (the finding id leaves the address out), so re-importing updates the
 * finding in Security Hub instead of adding a duplicate.  out: 96 bytes. */
void ep_asff_id(const struct ep_finding *f, char *out, size_t len);

/* Builds the ASFF object: every required attribute (SchemaVersion, Id,
 * ProductArn of the account's default product, GeneratorId
 * "ecsprobe/KIND", AwsAccountId, Types, CreatedAt, UpdatedAt, Severity,
 * Title, Description, Resources), Network (DestinationPort and
 * OpenPortRange only for one contiguous range), Remediation and
 * ProductFields (ecsprobe/ports, the whole list as text, and
 * ecsprobe/port_count always; ecsprobe/rule when known).  now is the RFC 3339 time of
 * this report (UpdatedAt; CreatedAt too unless the finding has first_seen).
 * Returns a new object the caller frees with cJSON_Delete, NULL when out of
 * memory.  Any thread. */
cJSON *ep_asff_finding(const struct ep_finding *f, const char *scan_id, const char *now);

/* The same object appended to b as compact JSON (no newline). */
int ep_asff_finding_buf(struct ep_buf *b, const struct ep_finding *f, const char *scan_id,
                        const char *now);

#endif
