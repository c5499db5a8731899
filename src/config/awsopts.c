/* The AWS option group: the table and the one function that applies an
 * option, so `inventory` and `verify` validate each value the same way. */
#include "config/awsopts.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

const struct ep_awsopt ep_aws_options[] = {
    {"profile", required_argument, EP_AWSOPT_PROFILE},
    {"region", required_argument, EP_AWSOPT_REGIONS},
    {"regions", required_argument, EP_AWSOPT_REGIONS},
    {"role-arn", required_argument, EP_AWSOPT_ROLE},
    {"external-id", required_argument, EP_AWSOPT_EXTID},
    {"endpoint-url", required_argument, EP_AWSOPT_ENDPOINT},
    {"max-attempts", required_argument, EP_AWSOPT_ATTEMPTS},
    {"api-rate", required_argument, EP_AWSOPT_RATE},
    {"debug", no_argument, EP_AWSOPT_DEBUG},
    {"accounts", required_argument, EP_AWSOPT_ACCOUNTS},
    {"all-accounts", no_argument, EP_AWSOPT_ALL_ACCOUNTS},
    {"role-name", required_argument, EP_AWSOPT_ROLE_NAME},
    {"max-pages", required_argument, EP_AWSOPT_MAX_PAGES},
    {"max-inventory-size", required_argument, EP_AWSOPT_MAX_SIZE},
    {"api-timeout", required_argument, EP_AWSOPT_TIMEOUT},
};
const size_t ep_aws_noptions = sizeof(ep_aws_options) / sizeof(ep_aws_options[0]);

void ep_awsopts_init(struct ep_awsopts *a)
{
	memset(a, 0, sizeof(*a));
}

const struct ep_awsopt *ep_awsopt_find(const char *name)
{
	for (size_t i = 0; i < ep_aws_noptions; i++)
		if (strcmp(ep_aws_options[i].name, name) == 0)
			return &ep_aws_options[i];
	return NULL;
}

void ep_awsopts_getopt(struct option *table, size_t *n, size_t cap)
{
	for (size_t i = 0; i < ep_aws_noptions && *n < cap; i++) {
		table[*n].name = ep_aws_options[i].name;
		table[*n].has_arg = ep_aws_options[i].has_arg;
		table[*n].flag = NULL;
		table[*n].val = (int)ep_aws_options[i].id;
		(*n)++;
	}
}

/* --accounts FILE: 12-digit account ids, one per line; errors say file:line:col. */
static int load_accounts(struct ep_awsopts *a, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256];
	unsigned lineno = 0;

	if (f == NULL) {
		fprintf(stderr, "ecsprobe: --accounts %s: %s\n", path, strerror(errno));
		return 2;
	}
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
			fprintf(stderr, "ecsprobe: %s:%u:%d: expected a 12-digit account id\n",
			        path, lineno, (int)(s - line) + 1);
			fclose(f);
			return 2;
		}
		if (a->nids == EP_INV_MAX_ROLES) {
			fprintf(stderr, "ecsprobe: %s:%u: more than %d accounts\n", path, lineno,
			        EP_INV_MAX_ROLES);
			fclose(f);
			return 2;
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

int ep_awsopts_apply(struct ep_awsopts *a, enum ep_awsopt_id id, const char *val)
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
		if (o->nroles == EP_INV_MAX_ROLES) {
			fprintf(stderr, "ecsprobe: at most %d --role-arn\n", EP_INV_MAX_ROLES);
			return 2;
		}
		if (strncmp(val, "arn:", 4) != 0) {
			fprintf(stderr, "ecsprobe: --role-arn '%s': not an ARN\n", val);
			return 2;
		}
		o->role_arns[o->nroles++] = val;
		break;
	case EP_AWSOPT_EXTID:
		o->external_id = val;
		break;
	case EP_AWSOPT_ENDPOINT:
		if (strncmp(val, "http://", 7) && strncmp(val, "https://", 8)) {
			fprintf(
			    stderr,
			    "ecsprobe: --endpoint-url '%s': must start with http:// or https://\n",
			    val);
			return 2;
		}
		o->aws.endpoint_url = val;
		break;
	case EP_AWSOPT_ATTEMPTS:
		o->aws.max_attempts = (unsigned)strtoul(val, &end, 10);
		if (*val < '1' || *val > '9' || *end || o->aws.max_attempts > 20) {
			fprintf(stderr, "ecsprobe: --max-attempts '%s': a whole number 1-20\n",
			        val);
			return 2;
		}
		break;
	case EP_AWSOPT_RATE:
		o->aws.api_rate = strtod(val, &end);
		if (*val == '\0' || *end || !(o->aws.api_rate > 0 && o->aws.api_rate <= 10000)) {
			fprintf(stderr, "ecsprobe: --api-rate '%s': a number of calls per second\n",
			        val);
			return 2;
		}
		break;
	case EP_AWSOPT_ACCOUNTS:
		return load_accounts(a, val);
	case EP_AWSOPT_ALL_ACCOUNTS:
		o->all_accounts = 1;
		break;
	case EP_AWSOPT_ROLE_NAME:
		o->role_name = val;
		break;
	case EP_AWSOPT_MAX_PAGES:
		errno = 0;
		o->max_pages = (unsigned)strtoul(val, &end, 10);
		if (*val < '1' || *val > '9' || *end || errno || o->max_pages > 10000000) {
			fprintf(stderr, "ecsprobe: --max-pages '%s': a whole number 1-10000000\n",
			        val);
			return 2;
		}
		break;
	case EP_AWSOPT_MAX_SIZE:
		if (parse_size(val, &o->max_bytes)) {
			fprintf(stderr,
			        "ecsprobe: --max-inventory-size '%s': a size from 1M to 1024G "
			        "(bytes, or with K, M or G)\n",
			        val);
			return 2;
		}
		break;
	case EP_AWSOPT_TIMEOUT: {
		double secs = strtod(val, &end);

		if (*val == '\0' || *end || !(secs >= 0.1 && secs <= 3600)) {
			fprintf(stderr, "ecsprobe: --api-timeout '%s': seconds, 0.1-3600\n", val);
			return 2;
		}
		o->aws.timeout_ms = (long)(secs * 1000);
		break;
	}
	case EP_AWSOPT_DEBUG:
		o->aws.debug = 1;
		ep_log_set_level(EP_LOG_DEBUG);
		break;
	}
	return 0;
}
