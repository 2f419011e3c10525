// SPDX-License-Identifier: MIT
#include <errno.h>
#include <libmnl/libmnl.h>
#include <stdbool.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control/netlink.h"

#define AK_NL_MAX_DOOMED 1024

struct ak_nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	uint8_t buf[32768]; /* >= MNL_SOCKET_BUFFER_SIZE */
};

int ak_nl_open(struct ak_nl **out)
{
	struct ak_nl *nl = calloc(1, sizeof(*nl));
	int ret;

	if (!nl)
		return -ENOMEM;
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock) {
		ret = -errno;
		free(nl);
		return ret;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID)) {
		ret = -errno;
		mnl_socket_close(nl->sock);
		free(nl);
		return ret;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	*out = nl;
	return 0;
}

void ak_nl_close(struct ak_nl *nl)
{
	if (!nl)
		return;
	mnl_socket_close(nl->sock);
	free(nl);
}

/* Sends the request in nl->buf and runs cb over the answer until done. */
static int nl_talk(struct ak_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
		   void *data)
{
	uint32_t seq = ++nl->seq;
	ssize_t n;
	int ret;

	nlh->nlmsg_seq = seq;
	nlh->nlmsg_flags |= NLM_F_REQUEST;
	/*
	 * A dump ends with NLMSG_DONE; an ack after it would be stray. (The
	 * dump flag's bits mean CREATE/EXCL in NEW requests: test the type.)
	 */
	if (nlh->nlmsg_type != RTM_GETLINK)
		nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
		if (n < 0)
			return -errno;
		ret = mnl_cb_run(nl->buf, (size_t)n, seq, nl->portid, cb, data);
		if (ret < 0)
			return -errno;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

static struct nlmsghdr *link_msg(struct ak_nl *nl, uint16_t type,
				 uint16_t flags, int ifindex)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);
	struct ifinfomsg *ifm;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = ifindex;
	return nlh;
}

static void put_one_queue(struct nlmsghdr *nlh)
{
	/* One queue each way: the AF_XDP socket binds queue 0. */
	mnl_attr_put_u32(nlh, IFLA_NUM_TX_QUEUES, 1);
	mnl_attr_put_u32(nlh, IFLA_NUM_RX_QUEUES, 1);
}

int ak_nl_veth_create(struct ak_nl *nl, const struct ak_veth_spec *spec)
{
	struct nlmsghdr *nlh;
	struct nlattr *info, *data, *peer;
	struct ifinfomsg *pifm;

	nlh = link_msg(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, spec->port_name);
	mnl_attr_put_u32(nlh, IFLA_MTU, spec->mtu);
	mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)spec->bridge_ifindex);
	put_one_queue(nlh);

	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* The peer's attributes follow an ifinfomsg of their own. */
	pifm = mnl_nlmsg_get_payload_tail(nlh);
	memset(pifm, 0, sizeof(*pifm));
	pifm->ifi_family = AF_UNSPEC;
	nlh->nlmsg_len += MNL_ALIGN(sizeof(*pifm));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, spec->vf_name);
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, spec->vf_mac);
	mnl_attr_put_u32(nlh, IFLA_MTU, spec->mtu);
	put_one_queue(nlh);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return nl_talk(nl, nlh, NULL, NULL);
}

int ak_nl_link_up(struct ak_nl *nl, int ifindex, const char *alias)
{
	struct nlmsghdr *nlh = link_msg(nl, RTM_NEWLINK, 0, ifindex);
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);

	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
	return nl_talk(nl, nlh, NULL, NULL);
}

int ak_nl_link_del(struct ak_nl *nl, int ifindex)
{
	struct nlmsghdr *nlh = link_msg(nl, RTM_DELLINK, 0, ifindex);

	return nl_talk(nl, nlh, NULL, NULL);
}

struct doomed {
	const char *alias;
	const char *prefix;
	int count;
	int ifindex[AK_NL_MAX_DOOMED];
};

static int collect_attr(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if ((type == IFLA_IFALIAS || type == IFLA_IFNAME) &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		tb[type] = attr;
	return MNL_CB_OK;
}

/* prefix, then 'v' or 'b', then one or more digits */
static bool name_matches(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(name, prefix, n) || (name[n] != 'v' && name[n] != 'b'))
		return false;
	name += n + 1;
	if (!*name)
		return false;
	return strspn(name, "0123456789") == strlen(name);
}

static int collect_link(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[IFLA_MAX + 1] = {0};
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	struct doomed *dm = data;

	mnl_attr_parse(nlh, sizeof(*ifm), collect_attr, tb);
	if (dm->count < AK_NL_MAX_DOOMED &&
	    ((tb[IFLA_IFALIAS] &&
	      !strcmp(mnl_attr_get_str(tb[IFLA_IFALIAS]), dm->alias)) ||
	     (tb[IFLA_IFNAME] &&
	      name_matches(mnl_attr_get_str(tb[IFLA_IFNAME]), dm->prefix))))
		dm->ifindex[dm->count++] = ifm->ifi_index;
	return MNL_CB_OK;
}

int ak_nl_del_leftovers(struct ak_nl *nl, const char *alias, const char *prefix)
{
	struct doomed *dm = calloc(1, sizeof(*dm));
	struct nlmsghdr *nlh;
	int i, ret, removed = 0;

	if (!dm)
		return -ENOMEM;
	dm->alias = alias;
	dm->prefix = prefix;
	nlh = link_msg(nl, RTM_GETLINK, NLM_F_DUMP, 0);
	ret = nl_talk(nl, nlh, collect_link, dm);
	for (i = 0; !ret && i < dm->count; i++) {
		/* The peer of a veth already deleted is gone with it. */
		int r = ak_nl_link_del(nl, dm->ifindex[i]);

		if (r == 0 || r == -ENODEV)
			removed++;
		else
			ret = r;
	}
	free(dm);
	return ret ? ret : removed;
}
