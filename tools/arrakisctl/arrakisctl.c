// SPDX-License-Identifier: MIT
/*
 * arrakisctl: what arrakisd has handed out. It connects as a container of
 * its own (left out of the listings), pages through LIST_* and prints a
 * table, or JSON with --json.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arrakis/ctl.h>

#include "common/proto.h"
#include "lib/ctl/ctl_call.h"
#include "tools/arrakisctl/vsas.h"

struct listing {
	uint8_t *entries;
	uint32_t count;
};

static uint8_t reply[AK_MSG_MAX];

/* Fetches every page of a LIST_* table. */
static int list_all(struct ak_ctl *ctl, uint16_t type, size_t entry_size,
		    struct listing *out)
{
	struct ak_list_req req = {0};
	struct ak_list_rep hdr;
	size_t len;
	int ret;

	memset(out, 0, sizeof(*out));
	do {
		ret = ak_ctl_call(ctl, type, &req, sizeof(req), reply,
				  sizeof(reply), &len, NULL, 0, NULL);
		if (ret)
			return ret;
		if (len < sizeof(hdr))
			return -EPROTO;
		memcpy(&hdr, reply, sizeof(hdr));
		if (len != sizeof(hdr) + hdr.count * entry_size)
			return -EPROTO;
		out->entries = realloc(out->entries,
				       (out->count + hdr.count) * entry_size);
		if (!out->entries)
			return -ENOMEM;
		memcpy(out->entries + out->count * entry_size,
		       reply + sizeof(hdr), hdr.count * entry_size);
		out->count += hdr.count;
		req.start += hdr.count;
	} while (hdr.count && req.start < hdr.total);
	return 0;
}

static const char *ipv4_str(uint32_t be, char *buf)
{
	return inet_ntop(AF_INET, &be, buf, INET_ADDRSTRLEN);
}

static const char *mac_str(const uint8_t *m, char *buf)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
		 m[3], m[4], m[5]);
	return buf;
}

static const char *errno_name(int status)
{
	const char *n = strerrorname_np(-status);

	return n ? n : "unknown";
}

static json_t *container_json(const struct ak_container_info *ci)
{
	json_t *o = json_pack(
		"{s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "id",
		(json_int_t)ci->container_id, "name", ci->name, "pid",
		(json_int_t)ci->pid, "uid", (json_int_t)ci->uid, "gid",
		(json_int_t)ci->gid, "vnics", (json_int_t)ci->vnics, "filters",
		(json_int_t)ci->filters, "requests", (json_int_t)ci->requests,
		"bad_messages", (json_int_t)ci->errors);

	if (ci->last_error)
		json_object_set_new(
			o, "last_error",
			json_pack("{s:s?, s:i, s:s, s:s}", "request",
				  ak_msg_type_name(ci->last_error_type),
				  "status", ci->last_error, "errno",
				  errno_name(ci->last_error), "reason",
				  ci->last_error_reason));
	else
		json_object_set_new(o, "last_error", json_null());
	return o;
}

static void container_text(const struct ak_container_info *ci)
{
	printf("%-6u %-20s %-8u %-6u %-6u %-8u", ci->container_id, ci->name,
	       ci->pid, ci->uid, ci->vnics, ci->filters);
	if (ci->last_error)
		printf(" %s %s: %s", ak_msg_type_name(ci->last_error_type),
		       errno_name(ci->last_error), ci->last_error_reason);
	printf("\n");
}

static json_t *counters_json(const struct ak_counter *c, uint32_t n,
			     const char *const *names)
{
	json_t *o = json_object();
	uint32_t i;

	for (i = 0; i < n; i++)
		json_object_set_new(o, names[i],
				    json_pack("{s:I, s:I}", "packets",
					      (json_int_t)c[i].packets, "bytes",
					      (json_int_t)c[i].bytes));
	return o;
}

static json_t *vnic_json(const struct ak_vnic_info *v)
{
	char ip[INET_ADDRSTRLEN], mac[18];
	const struct ak_xsk_stats *x = &v->xsk;

	return json_pack(
		"{s:I, s:I, s:s, s:s, s:s, s:s, s:i, s:I, s:[i,i], s:o, s:o, "
		"s:{s:I, s:I, s:I, s:I, s:I, s:I}}",
		"id", (json_int_t)v->vnic_id, "container_id",
		(json_int_t)v->container_id, "vf", v->vf_ifname, "port",
		v->port_ifname, "ipv4", ipv4_str(v->ipv4, ip), "mac",
		mac_str(v->mac, mac), "prefix_len", v->prefix_len, "filters",
		(json_int_t)v->filters, "ephemeral", v->ephemeral_first,
		v->ephemeral_last, "rx",
		counters_json(v->rx, AK_RX_REASONS, ak_rx_reason_names), "tx",
		counters_json(v->tx, AK_TX_REASONS, ak_tx_reason_names), "xsk",
		"rx_dropped", (json_int_t)x->rx_dropped, "rx_invalid_descs",
		(json_int_t)x->rx_invalid_descs, "tx_invalid_descs",
		(json_int_t)x->tx_invalid_descs, "rx_ring_full",
		(json_int_t)x->rx_ring_full, "rx_fill_ring_empty_descs",
		(json_int_t)x->rx_fill_ring_empty_descs, "tx_ring_empty_descs",
		(json_int_t)x->tx_ring_empty_descs);
}

static void drops_text(const char *dir, const struct ak_counter *c, uint32_t n,
		       const char *const *names)
{
	uint32_t i;

	printf("    %s pass %llu", dir, (unsigned long long)c[0].packets);
	for (i = 1; i < n; i++)
		if (c[i].packets)
			printf(", drop %s %llu", names[i],
			       (unsigned long long)c[i].packets);
	printf("\n");
}

static void vnic_text(const struct ak_vnic_info *v)
{
	char ip[INET_ADDRSTRLEN], mac[18];

	printf("%-5u %-9u %-10s %-15s/%u %s filters %u\n", v->vnic_id,
	       v->container_id, v->vf_ifname, ipv4_str(v->ipv4, ip),
	       v->prefix_len, mac_str(v->mac, mac), v->filters);
	drops_text("rx", v->rx, AK_RX_REASONS, ak_rx_reason_names);
	drops_text("tx", v->tx, AK_TX_REASONS, ak_tx_reason_names);
	printf("    xsk rx_dropped %llu, rx_ring_full %llu, fill_empty %llu\n",
	       (unsigned long long)v->xsk.rx_dropped,
	       (unsigned long long)v->xsk.rx_ring_full,
	       (unsigned long long)v->xsk.rx_fill_ring_empty_descs);
}

static json_t *filter_json(const struct ak_filter_info *f)
{
	char ip[INET_ADDRSTRLEN];

	return json_pack("{s:I, s:I, s:s, s:s, s:i}", "container_id",
			 (json_int_t)f->container_id, "vnic_id",
			 (json_int_t)f->vnic_id, "ipv4", ipv4_str(f->ipv4, ip),
			 "proto", ak_proto_name(f->proto), "port", f->port);
}

static void filter_text(const struct ak_filter_info *f)
{
	char ip[INET_ADDRSTRLEN];

	printf("%-9u %-5u %-15s %s/%u\n", f->container_id, f->vnic_id,
	       ipv4_str(f->ipv4, ip), ak_proto_name(f->proto), f->port);
}

enum what { CONTAINERS, VNICS, FILTERS, VSAS, NWHAT };

static void print_listing(enum what w, const struct listing *l, bool json,
			  uint32_t self)
{
	json_t *arr = json_array();
	uint32_t i;

	if (!json && w == CONTAINERS)
		printf("%-6s %-20s %-8s %-6s %-6s %-8s %s\n", "ID", "NAME",
		       "PID", "UID", "VNICS", "FILTERS", "LAST REFUSAL");
	if (!json && w == FILTERS)
		printf("%-9s %-5s %-15s %s\n", "CONTAINER", "VNIC", "ADDRESS",
		       "GRANT");
	if (!json && w == VSAS)
		vsas_header();
	if (!json && w == VNICS)
		printf("%-5s %-9s %-10s %-18s %s\n", "VNIC", "CONTAINER", "VF",
		       "ADDRESS", "MAC");
	for (i = 0; i < l->count; i++) {
		if (w == CONTAINERS) {
			const struct ak_container_info *ci =
				(const void *)(l->entries + i * sizeof(*ci));

			if (ci->container_id == self)
				continue;
			if (json)
				json_array_append_new(arr, container_json(ci));
			else
				container_text(ci);
		} else if (w == VNICS) {
			const struct ak_vnic_info *v =
				(const void *)(l->entries + i * sizeof(*v));

			if (json)
				json_array_append_new(arr, vnic_json(v));
			else
				vnic_text(v);
		} else if (w == VSAS) {
			const struct ak_vsa_info_wire *v =
				(const void *)(l->entries + i * sizeof(*v));

			if (json)
				json_array_append_new(arr, vsa_json(v));
			else
				vsa_text(v);
		} else {
			const struct ak_filter_info *f =
				(const void *)(l->entries + i * sizeof(*f));

			if (json)
				json_array_append_new(arr, filter_json(f));
			else
				filter_text(f);
		}
	}
	if (json)
		json_dumpf(arr, stdout, JSON_INDENT(2));
	if (json)
		printf("\n");
	json_decref(arr);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: arrakisctl [--socket PATH] [--json] "
		   "containers|vnics|filters|vsas\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	static const struct {
		const char *name;
		uint16_t type;
		size_t size;
	} cmds[] = {
		[CONTAINERS] = {"containers", AK_MSG_LIST_CONTAINERS,
				sizeof(struct ak_container_info)},
		[VNICS] = {"vnics", AK_MSG_LIST_VNICS,
			   sizeof(struct ak_vnic_info)},
		[FILTERS] = {"filters", AK_MSG_LIST_FILTERS,
			     sizeof(struct ak_filter_info)},
		[VSAS] = {"vsas", AK_MSG_VSA_LIST,
			  sizeof(struct ak_vsa_info_wire)},
	};
	const char *socket_path = NULL;
	struct listing l;
	struct ak_ctl *ctl;
	bool json = false;
	int opt, ret, w;

	while ((opt = getopt_long(argc, argv, "s:jh", opts, NULL)) != -1) {
		if (opt == 's')
			socket_path = optarg;
		else if (opt == 'j')
			json = true;
		else {
			usage(opt == 'h' ? stdout : stderr);
			return opt == 'h' ? 0 : 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	for (w = 0; w < NWHAT; w++)
		if (!strcmp(argv[optind], cmds[w].name))
			break;
	if (w == NWHAT) {
		usage(stderr);
		return 2;
	}

	ret = ak_ctl_open(socket_path, "arrakisctl", &ctl);
	if (ret) {
		fprintf(stderr, "arrakisctl: cannot reach arrakisd: %s\n",
			strerror(-ret));
		return 1;
	}
	ret = list_all(ctl, cmds[w].type, cmds[w].size, &l);
	if (ret) {
		fprintf(stderr, "arrakisctl: %s: %s\n", cmds[w].name,
			strerror(-ret));
		ak_ctl_close(ctl);
		return 1;
	}
	print_listing((enum what)w, &l, json, ak_ctl_container_id(ctl));
	free(l.entries);
	ak_ctl_close(ctl);
	return 0;
}
