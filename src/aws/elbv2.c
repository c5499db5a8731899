/* ELBv2 reader: load balancers and, for each, its listeners. */
#include <stdio.h>
#include <string.h>

#include "aws/call.h"
#include "aws/inv_internal.h"

static void listeners(struct ep_inv_region *r, cJSON *lbs)
{
	cJSON *lb;

	cJSON_ArrayForEach(lb, lbs)
	{
		const cJSON *arn = cJSON_GetObjectItemCaseSensitive(lb, "LoadBalancerArn");
		struct ep_buf p;

		if (!cJSON_IsString(arn))
			continue;
		ep_buf_init(&p, 4096);
		ep_buf_adds(&p, "PageSize=400&LoadBalancerArn=");
		ep_aws_urlencode(&p, arn->valuestring);
		if (p.data)
			ep_inv_query_list(r, "elasticloadbalancing", "DescribeListeners", p.data,
			                  "Listeners", cJSON_AddArrayToObject(lb, "Listeners"),
			                  NULL);
		ep_buf_free(&p);
	}
}

static void elbv2_start(struct ep_inv_region *r)
{
	cJSON *elb = cJSON_AddObjectToObject(r->obj, "elbv2");

	ep_inv_query_list(r, "elasticloadbalancing", "DescribeLoadBalancers", "PageSize=400",
	                  "LoadBalancers", cJSON_AddArrayToObject(elb, "load_balancers"),
	                  listeners);
}

const struct ep_inv_service ep_inv_elbv2 = {"elbv2", elbv2_start, NULL};
