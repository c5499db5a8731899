/* The AWS option group: the table and the one function that applies an
 * option, so `inventory` and `verify` validate each value the same way
 * (--debug, which logs every call, is in the common group). */
#include "config/awsopts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"

static const struct ep_opt aws_opts[] = {
    {"profile", 0, 1, EP_AWSOPT_PROFILE, "NAME",
     "use this profile from ~/.aws/config and credentials", NULL},
    {"regions", 0, 1, EP_AWSOPT_REGIONS, "LIST",
     "comma-separated regions, or 'all' (DescribeRegions); default: AWS_REGION, "
     "AWS_DEFAULT_REGION or the profile's region",
     NULL},
    {"region", 0, 1, EP_AWSOPT_REGIONS, "LIST", "the same as --regions", NULL},
    {"role-arn", 0, 1, EP_AWSOPT_ROLE, "ARN", "pull this account by assuming the role (repeatable)",
     NULL},
    {"external-id", 0, 1, EP_AWSOPT_EXTID, "ID", "ExternalId for --role-arn", NULL},
    {"accounts", 0, 1, EP_AWSOPT_ACCOUNTS, "FILE",
     "pull these account ids (one per line, '#' comments)...", "file"},
    {"all-accounts", 0, 0, EP_AWSOPT_ALL_ACCOUNTS, NULL,
     "...or every active account of the organization (Organizations ListAccounts), both "
     "through --role-name",
     NULL},
    {"role-name", 0, 1, EP_AWSOPT_ROLE_NAME, "NAME",
     "role assumed in each such account (default OrganizationAccountAccessRole)", NULL},
    {"endpoint-url", 0, 1, EP_AWSOPT_ENDPOINT, "URL",
     "send every call to URL (AWS_ENDPOINT_URL_<SERVICE> and AWS_ENDPOINT_URL are honoured "
     "too)",
     NULL},
    {"ca-bundle", 0, 1, EP_AWSOPT_CA_BUNDLE, "FILE",
     "trust these CA certificates for AWS endpoints (default: AWS_CA_BUNDLE, else the "
     "system's)",
     "file"},
    {"max-attempts", 0, 1, EP_AWSOPT_ATTEMPTS, "N",
     "tries per call, throttling and 5xx included (default 5)", NULL},
    {"api-rate", 0, 1, EP_AWSOPT_RATE, "N",
     "calls per second per account, region and API (default 10)", NULL},
    {"api-timeout", 0, 1, EP_AWSOPT_TIMEOUT, "SECS",
     "give up one try of a call after SECS (0.1-3600; default 30)", NULL},
    {"max-pages", 0, 1, EP_AWSOPT_MAX_PAGES, "N",
     "stop a list after N pages (default 10000); a NextToken seen before always stops it", NULL},
    {"max-inventory-size", 0, 1, EP_AWSOPT_MAX_SIZE, "SIZE",
     "stop the pull, writing nothing, past SIZE of answers (default 1G; K, M, G)", NULL},
};

static int apply(void *ctx, int id, const char *val, struct ep_diag *d)
{
	return ep_awsopts_apply(ctx, (enum ep_awsopt_id)id, val, d);
}

const struct ep_optgroup ep_aws_group = {"AWS", aws_opts, sizeof(aws_opts) / sizeof(aws_opts[0]),
                                         apply};

void ep_awsopts_init(struct ep_awsopts *a)
{
	memset(a, 0, sizeof(*a));
}

/* --accounts FILE: 12-digit account ids, one per line; errors say file:line:col. */
static int load_accounts(struct ep_awsopts *a, const char *path, struct ep_diag *d)
{
	FILE *f = fopen(path, "r");
	char line[256];
	unsigned lineno = 0;

	if (f == NULL)
		return ep_diag_set(d, EP_EIO, 0, 0, "--accounts %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *s = line, *hash = strchr(line, '#');
		size_t len;

		lineno++;
		if (hash)
			*hash = '\0';
		s += strspn(s, " \t");
		len = strcspn(s, " \t\r\n");
		if (len == 0)
			continue;
		if (len != 12 || strspn(s, "0123456789") != 12) {
			fclose(f);
			snprintf(d->file, sizeof(d->file), "%s", path);
			return ep_diag_set(d, EP_EPARSE, lineno, (unsigned)(s - line) + 1,
			                   "expected a 12-digit account id");
		}
		if (a->nids == EP_INV_MAX_ROLES) {
			fclose(f);
			snprintf(d->file, sizeof(d->file), "%s", path);
			return ep_diag_set(d, EP_ERANGE, lineno, 0, "more than %d accounts",
			                   EP_INV_MAX_ROLES);
		}
		memcpy(a->ids[a->nids], s, 12);
		a->ids[a->nids][12] = '\0';
		a->o.accounts[a->o.naccounts++] = a->ids[a->nids++];
	}
	fclose(f);
	return 0;
}

/* "512M", "2G", "1048576": bytes, at least 1 MiB, at most 1 TiB. */
static int parse_size(const char *val, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	if (*val < '0' || *val > '9')
		return -1;
	errno = 0;
	v = strtoull(val, &end, 10);
	if (errno)
		return -1;
	if (*end == 'K' || *end == 'k')
		mul = 1ull << 10;
	else if (*end == 'M' || *end == 'm')
		mul = 1ull << 20;
	else if (*end == 'G' || *end == 'g')
		mul = 1ull << 30;
	if (mul != 1)
		end++;
	if (*end || v > (1ull << 40) / mul || v * mul < (1ull << 20))
		return -1;
	*out = v * mul;
	return 0;
}

int ep_awsopts_apply(struct ep_awsopts *a, enum ep_awsopt_id id, const char *val, struct ep_diag *d)
{
	struct ep_inventory_opts *o = &a->o;
	char *end;

	switch (id) {
	case EP_AWSOPT_PROFILE:
		o->profile = val;
		break;
	case EP_AWSOPT_REGIONS:
		o->regions = val;
		break;
	case EP_AWSOPT_ROLE:
		if (o->nroles == EP_INV_MAX_ROLES)
			return ep_diag_set(d, EP_ERANGE, 0, 0, "at most %d --role-arn",
			                   EP_INV_MAX_ROLES);
		if (strncmp(val, "arn:", 4) != 0)
			return ep_diag_set(d, EP_EINVAL, 0, 0, "'%s' is not an ARN", val);
		o->role_arns[o->nroles++] = val;
		break;
	case EP_AWSOPT_EXTID:
		o->external_id = val;
		break;
	case EP_AWSOPT_ENDPOINT:
		if (strncmp(val, "http://", 7) && strncmp(val, "https://", 8))
			return ep_diag_set(d, EP_EINVAL, 0, 0,
			                   "'%s' must start with http:// or https://", val);
		o->aws.endpoint_url = val;
		break;
	case EP_AWSOPT_ATTEMPTS:
		o->aws.max_attempts = (unsigned)strtoul(val, &end, 10);
		if (*val < '1' || *val > '9' || *end || o->aws.max_attempts > 20)
			return ep_diag_set(d, EP_EINVAL, 0, 0, "'%s': a whole number 1-20", val);
		break;
	case EP_AWSOPT_RATE:
		o->aws.api_rate = strtod(val, &end);
		if (*val == '\0' || *end || !(o->aws.api_rate > 0 && o->aws.api_rate <= 10000))
			return ep_diag_set(d, EP_EINVAL, 0, 0,
			                   "'%s': a number of calls per second, up to 10000", val);
		break;
	case EP_AWSOPT_ACCOUNTS:
		return load_accounts(a, val, d);
	case EP_AWSOPT_ALL_ACCOUNTS:
		o->all_accounts = 1;
		break;
	case EP_AWSOPT_ROLE_NAME:
		o->role_name = val;
		break;
	case EP_AWSOPT_CA_BUNDLE:
		if (access(val, R_OK) != 0)
			return ep_diag_set(d, EP_EIO, 0, 0, "%s: %s", val, strerror(errno));
		o->aws.ca_bundle = val;
		break;
	case EP_AWSOPT_MAX_PAGES:
		errno = 0;
		o->max_pages = (unsigned)strtoul(val, &end, 10);
		if (*val < '1' || *val > '9' || *end || errno || o->max_pages > 10000000)
			return ep_diag_set(d, EP_EINVAL, 0, 0, "'%s': a whole number 1-10000000",
			                   val);
		break;
	case EP_AWSOPT_MAX_SIZE:
		if (parse_size(val, &o->max_bytes))
			return ep_diag_set(
			    d, EP_EINVAL, 0, 0,
			    "'%s': a size from 1M to 1024G (bytes, or with K, M or G)", val);
		break;
	case EP_AWSOPT_TIMEOUT: {
		double secs = strtod(val, &end);

		if (*val == '\0' || *end || !(secs >= 0.1 && secs <= 3600))
			return ep_diag_set(d, EP_EINVAL, 0, 0, "'%s': seconds, 0.1-3600", val);
		o->aws.timeout_ms = (long)(secs * 1000);
		break;
	}
	}
	return 0;
}
