// SPDX-License-Identifier: MIT
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "common/proto.h"

const char *const ak_rx_reason_names[AK_RX_REASONS] = {
	[AK_RX_PASS] = "pass",		 [AK_RX_MALFORMED] = "malformed",
	[AK_RX_DST_MAC] = "dst_mac",	 [AK_RX_ETHERTYPE] = "ethertype",
	[AK_RX_ARP_OTHER] = "arp_other", [AK_RX_DST_IP] = "dst_ip",
	[AK_RX_PROTO] = "proto",	 [AK_RX_PORT] = "port",
	[AK_RX_NO_SOCKET] = "no_socket",
};

const char *const ak_tx_reason_names[AK_TX_REASONS] = {
	[AK_TX_PASS] = "pass",		 [AK_TX_MALFORMED] = "malformed",
	[AK_TX_SRC_MAC] = "src_mac",	 [AK_TX_ETHERTYPE] = "ethertype",
	[AK_TX_ARP_SPOOF] = "arp_spoof", [AK_TX_SRC_IP] = "src_ip",
	[AK_TX_PROTO] = "proto",	 [AK_TX_SRC_PORT] = "src_port",
};

int ak_msg_check(const void *buf, size_t len, struct ak_msg_hdr *hdr)
{
	if (len < sizeof(*hdr))
		return -EPROTO;
	memcpy(hdr, buf, sizeof(*hdr));
	if (hdr->magic != AK_PROTO_MAGIC)
		return -EPROTO;
	if (hdr->version != AK_PROTO_VERSION)
		return -EPROTONOSUPPORT;
	if (len > AK_MSG_MAX)
		return -EMSGSIZE;
	if (hdr->length != len)
		return -EBADMSG;
	return 0;
}

void ak_msg_init(struct ak_msg_hdr *hdr, uint16_t type, uint32_t request_id,
		 size_t payload_len)
{
	memset(hdr, 0, sizeof(*hdr));
	hdr->magic = AK_PROTO_MAGIC;
	hdr->version = AK_PROTO_VERSION;
	hdr->type = type;
	hdr->length = (uint32_t)(sizeof(*hdr) + payload_len);
	hdr->request_id = request_id;
}

int ak_name_check(const char *name, size_t cap)
{
	size_t i;

	for (i = 0; i < cap && name[i]; i++)
		if (name[i] < 0x21 || name[i] > 0x7e)
			return -EINVAL;
	if (i == 0 || i >= cap || i >= AK_NAME_MAX)
		return -EINVAL;
	return 0;
}

const char *ak_proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_ICMP:
		return "icmp";
	}
	return "other";
}

const char *ak_msg_type_name(uint16_t type)
{
	switch (type & ~AK_MSG_REPLY) {
	case AK_MSG_HELLO:
		return "HELLO";
	case AK_MSG_VNIC_OPEN:
		return "VNIC_OPEN";
	case AK_MSG_VNIC_CLOSE:
		return "VNIC_CLOSE";
	case AK_MSG_FILTER_ADD:
		return "FILTER_ADD";
	case AK_MSG_FILTER_DEL:
		return "FILTER_DEL";
	case AK_MSG_VNIC_STATS:
		return "VNIC_STATS";
	case AK_MSG_LIST_CONTAINERS:
		return "LIST_CONTAINERS";
	case AK_MSG_LIST_VNICS:
		return "LIST_VNICS";
	case AK_MSG_LIST_FILTERS:
		return "LIST_FILTERS";
	}
	return NULL;
}
