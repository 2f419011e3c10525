// SPDX-License-Identifier: MIT
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/proto.h"
#include "control/policy.h"

static void rule_unprivileged_ports(struct ak_policy_rule *r)
{
	r->nranges = 2;
	r->ranges[0] = (struct ak_port_range){IPPROTO_UDP, 1024, 65535};
	r->ranges[1] = (struct ak_port_range){IPPROTO_TCP, 1024, 65535};
}

/* Like Linux: ports below 1024 are root's, the rest are anyone's. */
void ak_policy_defaults(struct ak_policy *p)
{
	memset(p, 0, sizeof(*p));
	rule_unprivileged_ports(&p->fallback);
}

static int parse_port(const char *s, char **end, uint16_t *port)
{
	unsigned long v;

	errno = 0;
	v = strtoul(s, end, 10);
	if (errno || *end == s || v == 0 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/* "udp:5000-5999" or "tcp:80" */
static int parse_range(const char *tok, struct ak_port_range *r)
{
	char *end;

	if (!strncmp(tok, "udp:", 4))
		r->proto = IPPROTO_UDP;
	else if (!strncmp(tok, "tcp:", 4))
		r->proto = IPPROTO_TCP;
	else
		return -EINVAL;
	if (parse_port(tok + 4, &end, &r->first))
		return -EINVAL;
	r->last = r->first;
	if (*end == '-' && parse_port(end + 1, &end, &r->last))
		return -EINVAL;
	if (*end || r->last < r->first)
		return -EINVAL;
	return 0;
}

static int parse_rule(const char *value, struct ak_policy_rule *rule)
{
	char buf[512], *tok, *save;
	int ret;

	if (strlen(value) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, value);
	rule->nranges = 0;
	for (tok = strtok_r(buf, " \t,", &save); tok;
	     tok = strtok_r(NULL, " \t,", &save)) {
		if (!strcmp(tok, "none"))
			continue;
		if (rule->nranges == AK_POLICY_MAX_RANGES)
			return -ENOSPC;
		ret = parse_range(tok, &rule->ranges[rule->nranges]);
		if (ret)
			return ret;
		rule->nranges++;
	}
	return 0;
}

static struct ak_policy_rule *rule_for(struct ak_policy *p, uid_t uid)
{
	uint32_t i;

	for (i = 0; i < p->nrules; i++)
		if (p->rules[i].uid == uid)
			return &p->rules[i];
	if (p->nrules == AK_POLICY_MAX_RULES)
		return NULL;
	p->rules[p->nrules].uid = uid;
	return &p->rules[p->nrules++];
}

int ak_policy_set(struct ak_policy *p, const char *key, const char *value)
{
	struct ak_policy_rule *rule;
	unsigned long uid;
	char *end;

	if (!strcmp(key, "vnic")) {
		if (!strcmp(value, "root"))
			p->vnic_root_only = true;
		else if (!strcmp(value, "all"))
			p->vnic_root_only = false;
		else
			return -EINVAL;
		return 0;
	}
	if (!strcmp(key, "default"))
		return parse_rule(value, &p->fallback);

	errno = 0;
	uid = strtoul(key, &end, 10);
	if (errno || *end || end == key || uid >= (uid_t)-1)
		return -EINVAL;
	rule = rule_for(p, (uid_t)uid);
	if (!rule)
		return -ENOSPC;
	return parse_rule(value, rule);
}

static const struct ak_policy_rule *rule_of(const struct ak_policy *p,
					    uid_t uid, bool *is_default)
{
	uint32_t i;

	for (i = 0; i < p->nrules; i++) {
		if (p->rules[i].uid == uid) {
			*is_default = false;
			return &p->rules[i];
		}
	}
	*is_default = true;
	return &p->fallback;
}

static void describe_rule(const struct ak_policy_rule *r, char *buf, size_t len)
{
	size_t off = 0;
	uint32_t i;

	buf[0] = 0;
	if (r->nranges == 0)
		snprintf(buf, len, "no ports");
	for (i = 0; i < r->nranges && off < len; i++) {
		const struct ak_port_range *pr = &r->ranges[i];
		int n;

		n = snprintf(buf + off, len - off, "%s%s:%u-%u", i ? " " : "",
			     ak_proto_name(pr->proto), pr->first, pr->last);
		if (n < 0)
			break;
		off += (size_t)n;
	}
}

int ak_policy_check_port(const struct ak_policy *p, uid_t uid, uint8_t proto,
			 uint16_t port, char *why, size_t why_len)
{
	const struct ak_policy_rule *rule;
	char allowed[96];
	bool is_default;
	uint32_t i;

	if (uid == 0)
		return 0;
	rule = rule_of(p, uid, &is_default);
	for (i = 0; i < rule->nranges; i++) {
		const struct ak_port_range *r = &rule->ranges[i];

		if (r->proto == proto && port >= r->first && port <= r->last)
			return 0;
	}
	describe_rule(rule, allowed, sizeof(allowed));
	snprintf(why, why_len, "policy: uid %u may claim %s (%s rule)", uid,
		 allowed, is_default ? "default" : "its own");
	return -EACCES;
}

int ak_policy_check_vnic(const struct ak_policy *p, uid_t uid, char *why,
			 size_t why_len)
{
	if (uid == 0 || !p->vnic_root_only)
		return 0;
	snprintf(why, why_len, "policy: only root may open VNICs");
	return -EPERM;
}
