/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: any bytes as a policy file, then what a login does
 * with a valid one (resolving users, expanding templates, printing the
 * plan), or takes from an invalid one (policy_fallback()).  Built with --enable-fuzzing (clang, ASan, UBSan).
 */
#include "config.h"

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "usernetns/plan.h"
#include "usernetns/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	static const char *const names[] = { "a", "user-with-a-long-name-of-forty-bytes-xx", "." };
	struct diag d = DIAG_INIT;
	struct policy *p = NULL;

	if (!null)
		null = fopen("/dev/null", "we");
	if (policy_parse("fuzz.conf", (const char *)data, size, POLICY_KEEP_INVALID, &p,
			 &d) < 0) {
		struct errbuf why = { "" };
		struct policy_fallback f;

		/* What a login still takes from a policy it cannot use. */
		policy_fallback(p, &f);
		plan_fallback_exempt(&f, "root", &why);
	} else {
		struct errbuf err = { "" };
		struct plan plan;
		char buf[NAME_MAX + 1];

		/* Users every system has: root, and nobody (65534). */
		if (plan_resolve_uid(p, NULL, 0, &plan, &err) == 0 && null)
			plan_print(&plan, "fuzz.conf", "/run/netns", null);
		if (plan_resolve_uid(p, NULL, 65534, &plan, &err) == 0 && null)
			plan_print(&plan, "fuzz.conf", "/run/netns", null);
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			if (policy_template_expand(p->global.netns_name, names[i], 4294967294u,
						   buf, sizeof(buf)) == 0)
				policy_hostname_claims(p, buf);
			policy_template_expand(p->global.host_ifname, names[i], 4294967294u, buf,
					       16);
		}
		/* Shared sections' templates, with %g and %G. */
		for (size_t i = 0; i < p->n_rules; i++) {
			const struct policy_rule *r = &p->rules[i];

			if (!policy_rule_shared(r))
				continue;
			if (policy_template_expand_group(policy_rule_netns_name(p, r), r->name,
							 4294967294u, buf, sizeof(buf)) == 0)
				policy_hostname_claims(p, buf);
			policy_template_expand_group(policy_rule_host_ifname(p, r), r->name,
						     4294967294u, buf, 16);
		}
	}
	policy_free(p);
	diag_clear(&d);
	return 0;
}
