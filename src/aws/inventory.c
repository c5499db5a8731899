/* Inventory fan-out.  Every call and every pending step counts in
 * inv->outstanding; when it drops to zero the document is complete, the
 * AWS client is closed and the user's callback gets the document. */
#include "aws/inventory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/inv_internal.h"
#include "aws/xmljson.h"
#include "base/log.h"
#include "results/result.h"

#define EP_SERVICE(sym) extern const struct ep_inv_service sym;
#include "aws/services.def"
#undef EP_SERVICE

static const struct ep_inv_service *const services[] = {
#define EP_SERVICE(sym) &sym,
#include "aws/services.def"
#undef EP_SERVICE
};

struct ep_inv {
	uv_loop_t *loop;
	struct ep_aws *aws;
	struct ep_inventory_opts opts;
	ep_inventory_cb cb;
	void *arg;
	cJSON *doc, *accounts;
	struct ep_inv_account *accts[EP_INV_MAX_ROLES + 1];
	int naccts;
	unsigned outstanding;
	unsigned errors;
	unsigned calls;
	int fatal;
	int stopped;    /* ep_inventory_stop or a cap: every call fails now */
	int stop_rc;    /* what the callback hears: EP_ESTOPPED or EP_ERANGE */
	uint64_t bytes; /* of answers so far, against opts.max_bytes */
	char fatal_msg[2600];
	struct ep_aws_identity base;
	char default_region[32];
	struct ep_inv_region *regions;
};

struct pending {
	struct ep_inv_region *r;
	ep_inv_reply_cb cb;
	void *ctx;
	char api[64];
	char service[32];
};

static void finish_if_idle(struct ep_inv *inv);

/* Ends the pull early: no document (a partial one would pass for complete). */
static void stop(struct ep_inv *inv, int rc, const char *why)
{
	if (inv->stopped)
		return;
	inv->stopped = 1;
	inv->stop_rc = rc;
	inv->fatal = 1;
	snprintf(inv->fatal_msg, sizeof(inv->fatal_msg), "%s", why);
	ep_aws_abort(inv->aws);
}

void ep_inventory_stop(struct ep_inv *inv, const char *why)
{
	stop(inv, EP_ESTOPPED, why);
}

unsigned ep_inv_max_pages(const struct ep_inv_region *r)
{
	unsigned n = r->acct->inv->opts.max_pages;

	return n ? n : EP_INV_MAX_PAGES;
}

/* ---- calls ---- */

void ep_inv_error(struct ep_inv_region *r, const char *api, const char *code, const char *msg)
{
	struct ep_inv *inv = r->acct->inv;
	cJSON *errs = cJSON_GetObjectItemCaseSensitive(r->obj, "errors");
	cJSON *e = cJSON_CreateObject();

	inv->errors++;
	cJSON_AddStringToObject(e, "api", api);
	cJSON_AddStringToObject(e, "code", code);
	cJSON_AddStringToObject(e, "message", msg);
	cJSON_AddItemToArray(errs, e);
	fprintf(stderr,
	        "ecsprobe: account %s region %s %s: %s%s%s (data from this call is missing)\n",
	        r->acct->account_id[0] && strcmp(r->acct->account_id, "-") ? r->acct->account_id
	                                                                   : "(unknown)",
	        r->name, api, code, msg[0] ? ": " : "", msg);
}

void ep_inv_note(struct ep_inv_region *r, const char *api, const char *msg)
{
	cJSON *notes = cJSON_GetObjectItemCaseSensitive(r->obj, "notes");
	cJSON *e = cJSON_CreateObject();

	if (notes == NULL)
		notes = cJSON_AddArrayToObject(r->obj, "notes");
	cJSON_AddStringToObject(e, "api", api);
	cJSON_AddStringToObject(e, "message", msg);
	cJSON_AddItemToArray(notes, e);
}

static void on_call(void *arg, int rc, const struct ep_aws_reply *reply)
{
	struct pending *p = arg;
	struct ep_inv *inv = p->r->acct->inv;
	uint64_t cap = inv->opts.max_bytes ? inv->opts.max_bytes : EP_INV_MAX_BYTES;
	char api[100], account[16], region[32];

	/* the reader's callback may release the region and its account */
	snprintf(api, sizeof(api), "%s:%s", p->service, p->api);
	snprintf(account, sizeof(account), "%s", p->r->acct->account_id);
	snprintf(region, sizeof(region), "%s", p->r->name);
	inv->calls += reply->attempts;
	inv->bytes += reply->body_len;
	if (inv->bytes > cap && !inv->stopped) {
		char why[200];

		/* a list that never ends (fresh tokens, huge pages) must not take
		 * all memory: the answers are capped as a whole */
		snprintf(why, sizeof(why),
		         "%s:%s: the answers exceed %llu MiB (--max-inventory-size); stopped",
		         p->service, p->api, (unsigned long long)(cap >> 20));
		stop(inv, EP_ERANGE, why);
	}
	if (inv->stopped) {
		p->cb(p->r, p->ctx, NULL); /* the reader ends its bookkeeping */
	} else if (rc) {
		ep_inv_error(p->r, api, reply->error_code, reply->error_msg);
		/* the reader still hears about it, so it can finish its bookkeeping */
		p->cb(p->r, p->ctx, NULL);
	} else {
		p->cb(p->r, p->ctx, reply);
	}
	free(p);
	inv->outstanding--;
	if (inv->opts.progress)
		inv->opts.progress(inv->opts.progress_arg, account, region, api, inv->calls,
		                   inv->outstanding);
	finish_if_idle(inv);
}

/* ---- credential refresh ---- */

struct ep_inv_deferred {
	struct ep_inv_deferred *next;
	struct ep_inv_region *r;
	char service[32], api[64];
	char *params;
	ep_inv_reply_cb cb;
	void *ctx;
};

#define REFRESH_WINDOW 300 /* seconds before expiry, as the SDKs do */

/* Temporary credentials are renewed before they expire: within five minutes
 * of expiry, or half their lifetime for short-lived ones. */
static int needs_refresh(const struct ep_inv_account *a)
{
	int64_t now = (int64_t)time(NULL), life, window;

	if (a->id.expires <= 0 || a->obtained <= 0)
		return 0;
	life = a->id.expires - a->obtained;
	window = life / 2 < REFRESH_WINDOW ? life / 2 : REFRESH_WINDOW;
	return now + window >= a->id.expires;
}

static void on_refreshed(void *arg, int rc, const struct ep_aws_identity *id, const char *err)
{
	struct ep_inv_account *a = arg;
	struct ep_inv *inv = a->inv;
	struct ep_inv_deferred *list = a->waiting;

	a->waiting = NULL;
	a->refreshing = 0;
	if (rc == 0) {
		ep_aws_identity_clear(&a->id);
		ep_aws_identity_copy(&a->id, id);
		a->obtained = (int64_t)time(NULL);
	}
	while (list) {
		struct ep_inv_deferred *d = list;

		list = d->next;
		if (rc == 0) {
			ep_inv_call(d->r, d->service, d->api, d->params, d->cb, d->ctx);
		} else {
			ep_inv_error(d->r, d->api, "CredentialRefresh", err ? err : "failed");
			d->cb(d->r, d->ctx, NULL);
		}
		free(d->params);
		free(d);
	}
	inv->outstanding--;
	finish_if_idle(inv);
}

static void start_refresh(struct ep_inv_account *a)
{
	struct ep_inv *inv = a->inv;
	struct ep_creds_opts co = {inv->opts.profile, "ecsprobe"};
	int rc;

	if (a->refreshing)
		return;
	a->refreshing = 1;
	inv->outstanding++;
	if (a->role_arn[0])
		rc = ep_creds_assume_role(inv->aws, &inv->base, inv->default_region, a->role_arn,
		                          inv->opts.external_id, "ecsprobe", on_refreshed, a);
	else
		rc = ep_creds_resolve(inv->aws, &co, on_refreshed, a);
	if (rc)
		on_refreshed(a, rc, NULL, "cannot start the credential refresh");
}

static int defer(struct ep_inv_region *r, const char *service, const char *api, const char *params,
                 ep_inv_reply_cb cb, void *ctx)
{
	struct ep_inv_deferred *d = calloc(1, sizeof(*d));

	if (d == NULL || (d->params = strdup(params ? params : "")) == NULL) {
		free(d);
		return -1;
	}
	d->r = r;
	snprintf(d->service, sizeof(d->service), "%s", service);
	snprintf(d->api, sizeof(d->api), "%s", api);
	d->cb = cb;
	d->ctx = ctx;
	d->next = r->acct->waiting;
	r->acct->waiting = d;
	return 0;
}

void ep_inv_call(struct ep_inv_region *r, const char *service, const char *api, const char *params,
                 ep_inv_reply_cb cb, void *ctx)
{
	struct ep_inv *inv = r->acct->inv;
	struct ep_aws_scope s = {r->acct->account_id, r->name, &r->acct->id.creds};
	struct pending *p;

	if (inv->stopped) {
		cb(r, ctx, NULL);
		return;
	}
	if ((r->acct->refreshing || needs_refresh(r->acct)) &&
	    defer(r, service, api, params, cb, ctx) == 0) {
		start_refresh(r->acct);
		return;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		ep_inv_error(r, api, "LocalError", "out of memory");
		cb(r, ctx, NULL);
		return;
	}
	p->r = r;
	p->cb = cb;
	p->ctx = ctx;
	snprintf(p->api, sizeof(p->api), "%s", api);
	snprintf(p->service, sizeof(p->service), "%s", service);
	inv->outstanding++;
	if (ep_aws_call(inv->aws, &s, service, api, params, on_call, p)) {
		inv->outstanding--;
		free(p);
		ep_inv_error(r, api, "LocalError", "could not start the call");
		cb(r, ctx, NULL);
	}
}

/* ---- accounts and regions ---- */

static void start_region(struct ep_inv_account *a, const char *name)
{
	struct ep_inv *inv = a->inv;
	struct ep_inv_region *r;
	const cJSON *seen;

	/* a region named twice (--regions, or DescribeRegions) is pulled once */
	cJSON_ArrayForEach(seen, a->regions)
	{
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(seen, "region");

		if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
			return;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return;
	r->acct = a;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->obj = cJSON_CreateObject();
	r->scratch = cJSON_CreateObject();
	cJSON_AddStringToObject(r->obj, "region", name);
	cJSON_AddItemToObject(r->obj, "errors", cJSON_CreateArray());
	cJSON_AddItemToArray(a->regions, r->obj);
	r->next = inv->regions; /* freed when the pull ends */
	inv->regions = r;
	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++)
		services[i]->start(r);
}

/* A stand-in region for calls made before the real regions exist (identity,
 * DescribeRegions, ListAccounts); its errors move to the account. */
static struct ep_inv_region *boot_region(struct ep_inv_account *a)
{
	struct ep_inv_region *boot = calloc(1, sizeof(*boot));

	if (boot == NULL)
		return NULL;
	boot->acct = a;
	snprintf(boot->name, sizeof(boot->name), "%s", a->inv->default_region);
	boot->obj = cJSON_CreateObject();
	cJSON_AddItemToObject(boot->obj, "errors", cJSON_CreateArray());
	return boot;
}

static void on_regions(struct ep_inv_region *r, void *ctx, const struct ep_aws_reply *reply);

static void start_account(struct ep_inv_account *a)
{
	struct ep_inv *inv = a->inv;
	const char *spec = inv->opts.regions;

	if (spec && strcmp(spec, "all") == 0) {
		/* DescribeRegions from the default region decides the list */
		struct ep_inv_region *boot = boot_region(a);

		if (boot == NULL)
			return;
		ep_inv_call(boot, "ec2", "DescribeRegions", "", on_regions, boot);
		return;
	}
	if (spec == NULL || *spec == '\0')
		spec = inv->default_region;
	while (*spec) {
		char name[32];
		size_t len = strcspn(spec, ",");

		if (len && len < sizeof(name)) {
			memcpy(name, spec, len);
			name[len] = '\0';
			start_region(a, name);
		}
		spec += len;
		if (*spec == ',')
			spec++;
	}
}

static void on_regions(struct ep_inv_region *r, void *ctx, const struct ep_aws_reply *reply)
{
	struct ep_inv_account *a = r->acct;
	xmlNodePtr list;

	(void)ctx;
	if (reply) {
		list = ep_xml_find(xmlDocGetRootElement(reply->xml), "regionInfo");
		for (xmlNodePtr n = list ? list->children : NULL; n; n = n->next) {
			const char *name = ep_xml_child_text(n, "regionName");

			if (n->type == XML_ELEMENT_NODE && name)
				start_region(a, name);
		}
	} else {
		cJSON_AddItemToObject(a->obj, "errors",
		                      cJSON_DetachItemFromObject(r->obj, "errors"));
	}
	cJSON_Delete(r->obj);
	free(r);
}

static void on_identity(struct ep_inv_region *r, void *ctx, const struct ep_aws_reply *reply)
{
	struct ep_inv_account *a = ctx;

	if (reply) {
		xmlNodePtr res =
		    ep_xml_find(xmlDocGetRootElement(reply->xml), "GetCallerIdentityResult");
		const char *acct = ep_xml_child_text(res, "Account");
		const char *arn = ep_xml_child_text(res, "Arn");

		snprintf(a->account_id, sizeof(a->account_id), "%s", acct ? acct : "unknown");
		cJSON_AddStringToObject(a->obj, "account_id", a->account_id);
		cJSON_AddStringToObject(a->obj, "principal_arn", arn ? arn : "");
		start_account(a);
	} else {
		cJSON_AddStringToObject(a->obj, "account_id", "unknown");
		cJSON_AddItemToObject(a->obj, "errors",
		                      cJSON_DetachItemFromObject(r->obj, "errors"));
	}
	cJSON_Delete(r->obj);
	free(r);
}

static void identify(struct ep_inv_account *a)
{
	struct ep_inv_region *boot = boot_region(a);

	if (boot == NULL)
		return;
	snprintf(a->account_id, sizeof(a->account_id), "-");
	ep_inv_call(boot, "sts", "GetCallerIdentity", "", on_identity, a);
}

static struct ep_inv_account *new_account(struct ep_inv *inv, const char *label)
{
	struct ep_inv_account *a;

	if (inv->naccts >= (int)(sizeof(inv->accts) / sizeof(inv->accts[0])))
		return NULL;
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return NULL;
	a->inv = inv;
	snprintf(a->label, sizeof(a->label), "%s", label);
	a->obj = cJSON_CreateObject();
	cJSON_AddStringToObject(a->obj, "credentials", label);
	a->regions = cJSON_AddArrayToObject(a->obj, "regions");
	cJSON_AddItemToArray(inv->accounts, a->obj);
	inv->accts[inv->naccts++] = a;
	return a;
}

static void on_role(void *arg, int rc, const struct ep_aws_identity *id, const char *err)
{
	struct ep_inv_account *a = arg;
	struct ep_inv *inv = a->inv;

	inv->outstanding--;
	if (rc) {
		cJSON *errs = cJSON_AddArrayToObject(a->obj, "errors");
		cJSON *e = cJSON_CreateObject();

		cJSON_AddStringToObject(e, "api", "sts:AssumeRole");
		cJSON_AddStringToObject(e, "message", err);
		cJSON_AddItemToArray(errs, e);
		inv->errors++;
		fprintf(stderr, "ecsprobe: %s: %s (this account is missing)\n", a->label, err);
	} else if (ep_aws_identity_copy(&a->id, id) == 0) {
		a->obtained = (int64_t)time(NULL);
		identify(a);
	}
	finish_if_idle(inv);
}

static void assume(struct ep_inv *inv, const char *role_arn)
{
	struct ep_inv_account *a;

	a = new_account(inv, role_arn);
	if (a)
		snprintf(a->role_arn, sizeof(a->role_arn), "%s", role_arn);
	if (a == NULL) {
		inv->errors++;
		fprintf(stderr, "ecsprobe: more than %d accounts; %s skipped\n", EP_INV_MAX_ROLES,
		        role_arn);
		return;
	}
	inv->outstanding++;
	if (ep_creds_assume_role(inv->aws, &inv->base, inv->default_region, role_arn,
	                         inv->opts.external_id, "ecsprobe", on_role, a)) {
		inv->outstanding--;
		inv->errors++;
	}
}

/* The role --role-name names, in account id. */
static void assume_in(struct ep_inv *inv, const char *account_id)
{
	char arn[300];

	snprintf(arn, sizeof(arn), "arn:aws:iam::%s:role/%s", account_id,
	         inv->opts.role_name ? inv->opts.role_name : "OrganizationAccountAccessRole");
	assume(inv, arn);
}

static void after_org(struct ep_inv_region *r, cJSON *accounts, void *ctx)
{
	struct ep_inv *inv = ctx;
	const cJSON *acct;

	cJSON_ArrayForEach(acct, accounts)
	{
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(acct, "Id");
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(acct, "Status");

		/* suspended and closed accounts cannot be entered */
		if (cJSON_IsString(id) &&
		    (!cJSON_IsString(st) || strcmp(st->valuestring, "ACTIVE") == 0))
			assume_in(inv, id->valuestring);
	}
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r->obj, "errors")))
		cJSON_AddItemToObject(inv->doc, "organization_errors",
		                      cJSON_DetachItemFromObject(r->obj, "errors"));
	cJSON_Delete(accounts);
	cJSON_Delete(r->obj);
	ep_aws_identity_clear(&r->acct->id);
	free(r->acct);
	free(r);
}

/* Organizations ListAccounts with the base credentials, then every active
 * account through --role-name. */
static void list_org_accounts(struct ep_inv *inv)
{
	struct ep_inv_account *a = calloc(1, sizeof(*a));
	struct ep_inv_region *boot;

	if (a == NULL || ep_aws_identity_copy(&a->id, &inv->base)) {
		free(a);
		inv->errors++;
		return;
	}
	/* a stand-in account: only the organization call runs under it */
	a->inv = inv;
	snprintf(a->account_id, sizeof(a->account_id), "management");
	boot = boot_region(a);
	if (boot == NULL) {
		ep_aws_identity_clear(&a->id);
		free(a);
		inv->errors++;
		return;
	}
	ep_inv_json_list(boot, "organizations", "ListAccounts", cJSON_CreateObject(), "Accounts",
	                 cJSON_CreateArray(), inv, after_org);
}

static void on_base(void *arg, int rc, const struct ep_aws_identity *id, const char *err)
{
	struct ep_inv *inv = arg;

	inv->outstanding--;
	if (rc || inv->stopped) {
		if (!inv->stopped)
			snprintf(inv->fatal_msg, sizeof(inv->fatal_msg), "credentials: %s", err);
		inv->fatal = 1;
		finish_if_idle(inv);
		return;
	}
	ep_aws_identity_copy(&inv->base, id);
	if (inv->default_region[0] == '\0' && id->region[0] == '\0' && inv->opts.regions == NULL) {
		/* as the AWS CLI: never a region nobody chose */
		inv->fatal = 1;
		snprintf(inv->fatal_msg, sizeof(inv->fatal_msg),
		         "no region: give --regions LIST (or 'all'), or set AWS_REGION, "
		         "AWS_DEFAULT_REGION or region= in the profile");
		finish_if_idle(inv);
		return;
	}
	if (inv->default_region[0] == '\0')
		/* --regions all asks DescribeRegions somewhere: the partition's first */
		snprintf(inv->default_region, sizeof(inv->default_region), "%s",
		         id->region[0] ? id->region : "us-east-1");
	if (inv->opts.nroles == 0 && inv->opts.naccounts == 0 && !inv->opts.all_accounts) {
		struct ep_inv_account *a = new_account(inv, id->source);

		if (a && ep_aws_identity_copy(&a->id, id) == 0) {
			a->obtained = (int64_t)time(NULL);
			identify(a);
		}
	}
	for (int i = 0; i < inv->opts.nroles; i++)
		assume(inv, inv->opts.role_arns[i]);
	for (int i = 0; i < inv->opts.naccounts; i++)
		assume_in(inv, inv->opts.accounts[i]);
	if (inv->opts.all_accounts)
		list_org_accounts(inv);
	finish_if_idle(inv);
}

/* ---- end ---- */

static void on_aws_closed(void *arg)
{
	struct ep_inv *inv = arg;
	cJSON *doc = inv->doc;
	int rc = inv->stopped ? inv->stop_rc : inv->fatal ? EP_EINVAL : inv->errors ? EP_EIO : 0;
	char msg[sizeof(inv->fatal_msg)];

	snprintf(msg, sizeof(msg), "%s", inv->fatal_msg);
	for (int i = 0; i < inv->naccts; i++) {
		ep_aws_identity_clear(&inv->accts[i]->id);
		free(inv->accts[i]);
	}
	ep_aws_identity_clear(&inv->base);
	for (struct ep_inv_region *r = inv->regions; r; r = r->next)
		for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++)
			if (services[i]->finish)
				services[i]->finish(r);
	while (inv->regions) {
		struct ep_inv_region *r = inv->regions;

		inv->regions = r->next;
		cJSON_Delete(r->scratch);
		free(r);
	}
	if (inv->fatal) {
		cJSON_Delete(doc);
		doc = NULL;
	} else {
		cJSON *sum = cJSON_AddObjectToObject(doc, "summary");

		cJSON_AddNumberToObject(sum, "api_calls", inv->calls);
		cJSON_AddNumberToObject(sum, "errors", inv->errors);
	}
	inv->cb(inv->arg, rc, doc, msg);
	free(inv);
}

static void finish_if_idle(struct ep_inv *inv)
{
	if (inv->outstanding == 0)
		ep_aws_close(inv->aws, on_aws_closed, inv);
}

int ep_inventory_pull(uv_loop_t *loop, const struct ep_inventory_opts *o, ep_inventory_cb cb,
                      void *arg, struct ep_inv **handle)
{
	struct ep_inv *inv = calloc(1, sizeof(*inv));
	struct ep_creds_opts co = {o->profile, "ecsprobe"};
	char ts[40];
	struct timespec now;
	int rc;

	if (inv == NULL)
		return EP_ENOMEM;
	inv->loop = loop;
	inv->opts = *o;
	inv->cb = cb;
	inv->arg = arg;
	if (o->regions && strcmp(o->regions, "all") != 0 && strchr(o->regions, ',') == NULL)
		snprintf(inv->default_region, sizeof(inv->default_region), "%s", o->regions);
	else if (o->regions && strcmp(o->regions, "all") != 0)
		snprintf(inv->default_region, sizeof(inv->default_region), "%.*s",
		         (int)strcspn(o->regions, ","), o->regions);
	rc = ep_aws_new(&inv->aws, loop, &o->aws);
	if (rc) {
		free(inv);
		return rc;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	ep_time_format((uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec, ts, sizeof(ts));
	inv->doc = cJSON_CreateObject();
	cJSON_AddStringToObject(inv->doc, "schema", "ecsprobe.inventory/1");
	cJSON_AddStringToObject(inv->doc, "generated", ts);
	inv->accounts = cJSON_AddArrayToObject(inv->doc, "accounts");
	if (handle)
		*handle = inv;
	inv->outstanding++;
	rc = ep_creds_resolve(inv->aws, &co, on_base, inv);
	if (rc) {
		inv->outstanding--;
		inv->fatal = 1;
		snprintf(inv->fatal_msg, sizeof(inv->fatal_msg), "credentials: %s",
		         ep_strerror(rc));
		finish_if_idle(inv);
	}
	return 0;
}
