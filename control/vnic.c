// SPDX-License-Identifier: MIT
/*
 * The VNIC module: the [vnic] config section, the address pool, and the
 * VNIC_OPEN/CLOSE, FILTER_ADD/DEL, VNIC_STATS and LIST_VNICS/FILTERS
 * messages. (address, proto, port) is unique across containers; every VNIC
 * has an address of its own, so its ephemeral range is its own too.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/config.h"
#include "control/vnic.h"
#include "lib/core/log.h"

struct ak_vnic_state {
	struct ak_vnic list; /* head */
	uint32_t count;
	uint32_t next_id;
	uint8_t *pool_used; /* one byte per pool address */
};

static const struct ak_vnic_backend *backend(struct ak_daemon *d)
{
	return d->vnic_backend ? d->vnic_backend : &ak_vnic_veth_backend;
}

void ak_vnic_mac_for(uint32_t ipv4, uint8_t mac[6])
{
	/* Locally administered, unicast (IEEE 802 section 8.2.2). */
	mac[0] = 0x02;
	mac[1] = 0x41;
	mac[2] = 0x4b;
	mac[3] = (uint8_t)(ipv4 >> 16);
	mac[4] = (uint8_t)(ipv4 >> 8);
	mac[5] = (uint8_t)ipv4;
}

static int config_pool(struct ak_config *cfg, const char *value)
{
	char first[32], *dash;

	if (ak_config_copy(first, sizeof(first), value))
		return -EINVAL;
	dash = strchr(first, '-');
	if (!dash)
		return -EINVAL;
	*dash = 0;
	if (ak_config_parse_ipv4(first, &cfg->pool_first) ||
	    ak_config_parse_ipv4(dash + 1, &cfg->pool_last) ||
	    cfg->pool_last < cfg->pool_first ||
	    cfg->pool_last - cfg->pool_first >= 65536)
		return -EINVAL;
	return 0;
}

static int config_u16_range(const char *value, uint16_t *first, uint16_t *last)
{
	uint32_t f, l;

	if (ak_config_parse_range(value, 1, 65535, &f, &l))
		return -EINVAL;
	*first = (uint16_t)f;
	*last = (uint16_t)l;
	return 0;
}

static int config_power_of_two(const char *value, uint32_t min, uint32_t max,
			       uint32_t *out)
{
	if (ak_config_parse_u32(value, min, max, out) || (*out & (*out - 1)))
		return -EINVAL;
	return 0;
}

static int vnic_config_set(struct ak_daemon *d, const char *key,
			   const char *value)
{
	struct ak_config *cfg = &d->cfg;
	uint32_t v;

	if (!strcmp(key, "bridge"))
		return ak_config_copy(cfg->bridge, sizeof(cfg->bridge), value);
	if (!strcmp(key, "pool"))
		return config_pool(cfg, value);
	if (!strcmp(key, "ephemeral"))
		return config_u16_range(value, &cfg->ephemeral_first,
					&cfg->ephemeral_last);
	if (!strcmp(key, "prefix_len")) {
		if (ak_config_parse_u32(value, 1, 32, &v))
			return -EINVAL;
		cfg->prefix_len = (uint8_t)v;
		return 0;
	}
	if (!strcmp(key, "mtu")) {
		/* Native XDP on veth needs a frame to fit one page. */
		if (ak_config_parse_u32(value, 576, 3000, &v))
			return -EINVAL;
		cfg->mtu = (uint16_t)v;
		return 0;
	}
	if (!strcmp(key, "frame_size"))
		return config_power_of_two(value, 2048, 4096, &cfg->frame_size);
	if (!strcmp(key, "frame_count"))
		return config_power_of_two(value, 64, 262144,
					   &cfg->frame_count);
	if (!strcmp(key, "ring_size"))
		return config_power_of_two(value, 64, 32768, &cfg->ring_size);
	if (!strcmp(key, "max_filters"))
		return ak_config_parse_u32(value, 1, 65536,
					   &cfg->max_filters_per_vnic);
	if (!strcmp(key, "max_vnics_per_container"))
		return ak_config_parse_u32(value, 1, 1024,
					   &cfg->max_vnics_per_container);
	return -ENOENT;
}

static void list_add(struct ak_vnic_state *s, struct ak_vnic *v)
{
	v->prev = s->list.prev;
	v->next = &s->list;
	s->list.prev->next = v;
	s->list.prev = v;
	s->count++;
}

static void list_del(struct ak_vnic_state *s, struct ak_vnic *v)
{
	v->prev->next = v->next;
	v->next->prev = v->prev;
	s->count--;
}

static struct ak_vnic *find(struct ak_daemon *d, uint32_t id)
{
	struct ak_vnic *v;

	for (v = d->vnic->list.next; v != &d->vnic->list; v = v->next)
		if (v->id == id)
			return v;
	return NULL;
}

static int pool_take(struct ak_daemon *d, uint32_t *ipv4)
{
	uint32_t n = d->cfg.pool_last - d->cfg.pool_first + 1, i;

	for (i = 0; i < n; i++) {
		if (!d->vnic->pool_used[i]) {
			d->vnic->pool_used[i] = 1;
			*ipv4 = d->cfg.pool_first + i;
			return 0;
		}
	}
	return -EAGAIN;
}

static void pool_put(struct ak_daemon *d, uint32_t ipv4)
{
	d->vnic->pool_used[ipv4 - d->cfg.pool_first] = 0;
}

static void vnic_release(struct ak_daemon *d, struct ak_resource *res)
{
	struct ak_vnic *v = (struct ak_vnic *)res;

	backend(d)->destroy(d, v);
	list_del(d->vnic, v);
	pool_put(d, v->ipv4);
	v->owner->vnics--;
	v->owner->filters -= v->ngrants;
	ak_info("vnic: %u (%s) of container %u removed", v->id, v->vf_ifname,
		v->owner->id);
	free(v->grants);
	free(v);
}

static struct ak_vnic *vnic_new(struct ak_daemon *d, struct ak_container *c)
{
	struct ak_vnic *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->grants = calloc(d->cfg.max_filters_per_vnic, sizeof(*v->grants));
	if (!v->grants) {
		free(v);
		return NULL;
	}
	v->owner = c;
	v->id = ++d->vnic->next_id;
	v->res.kind = "vnic";
	v->res.release = vnic_release;
	return v;
}

static void open_reply(struct ak_daemon *d, const struct ak_vnic *v,
		       struct ak_vnic_open_rep *rep)
{
	rep->vnic_id = v->id;
	rep->ipv4 = htonl(v->ipv4);
	memcpy(rep->mac, v->mac, sizeof(rep->mac));
	rep->prefix_len = d->cfg.prefix_len;
	rep->mtu = d->cfg.mtu;
	rep->ephemeral_first = d->cfg.ephemeral_first;
	rep->ephemeral_last = d->cfg.ephemeral_last;
}

static int handle_vnic_open(struct ak_daemon *d, struct ak_container *c,
			    struct ak_request *req, struct ak_reply *rep)
{
	struct ak_vnic_open_rep out = {0};
	struct ak_vnic_open_req in;
	struct ak_vnic *v;
	int ret;

	memcpy(&in, req->payload, sizeof(in));
	if (in.flags || in.reserved)
		return -EINVAL;
	ret = ak_policy_check_vnic(&d->cfg.policy, c->cred.uid, rep->reason,
				   sizeof(rep->reason));
	if (ret)
		return ret;
	if (c->vnics >= d->cfg.max_vnics_per_container) {
		AK_REPLY_REASON(rep,
				"container holds %u VNICs, the most "
				"allowed",
				c->vnics);
		return -ENOSPC;
	}
	v = vnic_new(d, c);
	if (!v)
		return -ENOMEM;
	ret = pool_take(d, &v->ipv4);
	if (ret) {
		AK_REPLY_REASON(rep, "address pool exhausted");
		goto err_free;
	}
	ak_vnic_mac_for(v->ipv4, v->mac);
	ret = backend(d)->create(d, v, &out, rep->fds);
	if (ret) {
		AK_REPLY_REASON(rep, "cannot create the VF: %s",
				strerror(-ret));
		goto err_pool;
	}

	rep->nfds = AK_VNIC_NFDS;
	list_add(d->vnic, v);
	ak_container_add_resource(c, &v->res);
	c->vnics++;
	open_reply(d, v, &out);
	memcpy(rep->payload, &out, sizeof(out));
	rep->len = sizeof(out);
	ak_info("vnic: %u (%s, %u.%u.%u.%u) opened for container %u '%s'",
		v->id, v->vf_ifname, v->ipv4 >> 24, (v->ipv4 >> 16) & 255,
		(v->ipv4 >> 8) & 255, v->ipv4 & 255, c->id, c->name);
	return 0;

err_pool:
	pool_put(d, v->ipv4);
err_free:
	free(v->grants);
	free(v);
	return ret;
}

/* The caller's VNIC with this id, or NULL with -ENOENT's reason set. */
static struct ak_vnic *own_vnic(struct ak_daemon *d, struct ak_container *c,
				uint32_t id, struct ak_reply *rep)
{
	struct ak_vnic *v = find(d, id);

	if (v && v->owner == c)
		return v;
	AK_REPLY_REASON(rep, "container %u holds no VNIC %u", c->id, id);
	return NULL;
}

static int handle_vnic_close(struct ak_daemon *d, struct ak_container *c,
			     struct ak_request *req, struct ak_reply *rep)
{
	struct ak_vnic_id_req in;
	struct ak_vnic *v;

	memcpy(&in, req->payload, sizeof(in));
	v = own_vnic(d, c, in.vnic_id, rep);
	if (!v)
		return -ENOENT;
	ak_container_del_resource(&v->res);
	vnic_release(d, &v->res);
	return 0;
}

static int grant_index(const struct ak_vnic *v, uint8_t proto, uint16_t port)
{
	uint32_t i;

	for (i = 0; i < v->ngrants; i++)
		if (v->grants[i].proto == proto && v->grants[i].port == port)
			return (int)i;
	return -1;
}

/* Who holds (address, proto, port), if anyone. */
static struct ak_vnic *holder(struct ak_daemon *d, uint32_t ipv4, uint8_t proto,
			      uint16_t port)
{
	struct ak_vnic *v;

	for (v = d->vnic->list.next; v != &d->vnic->list; v = v->next)
		if (v->ipv4 == ipv4 && grant_index(v, proto, port) >= 0)
			return v;
	return NULL;
}

static int check_filter(struct ak_daemon *d, struct ak_container *c,
			const struct ak_filter_req *in, struct ak_vnic **out,
			struct ak_reply *rep)
{
	const char *proto = ak_proto_name(in->proto);
	struct ak_vnic *v, *h;
	int ret;

	if ((in->proto != IPPROTO_UDP && in->proto != IPPROTO_TCP) ||
	    in->port == 0 || in->pad) {
		AK_REPLY_REASON(rep, "bad protocol %u or port %u", in->proto,
				in->port);
		return -EINVAL;
	}
	v = find(d, in->vnic_id);
	if (!v) {
		AK_REPLY_REASON(rep, "no VNIC %u", in->vnic_id);
		return -ENOENT;
	}
	ret = ak_policy_check_port(&d->cfg.policy, c->cred.uid, in->proto,
				   in->port, rep->reason, sizeof(rep->reason));
	if (ret)
		return ret;
	h = holder(d, v->ipv4, in->proto, in->port);
	if (h && h->owner != c) {
		AK_REPLY_REASON(rep,
				"%s/%u on VNIC %u is held by container "
				"%u '%s'",
				proto, in->port, h->id, h->owner->id,
				h->owner->name);
		return -EADDRINUSE;
	}
	if (h) {
		AK_REPLY_REASON(rep, "%s/%u already granted", proto, in->port);
		return -EEXIST;
	}
	if (v->owner != c) {
		AK_REPLY_REASON(rep, "VNIC %u belongs to container %u", v->id,
				v->owner->id);
		return -EPERM;
	}
	*out = v;
	return 0;
}

static int handle_filter_add(struct ak_daemon *d, struct ak_container *c,
			     struct ak_request *req, struct ak_reply *rep)
{
	struct ak_filter_req in;
	struct ak_vnic *v = NULL;
	struct ak_grant g;
	int ret;

	memcpy(&in, req->payload, sizeof(in));
	ret = check_filter(d, c, &in, &v, rep);
	if (ret)
		return ret;
	if (v->ngrants >= d->cfg.max_filters_per_vnic) {
		AK_REPLY_REASON(rep, "VNIC %u has %u filters, the most allowed",
				v->id, v->ngrants);
		return -ENOSPC;
	}
	g = (struct ak_grant){.proto = in.proto, .port = in.port};
	ret = backend(d)->grant(d, v, &g, true);
	if (ret)
		return ret;
	v->grants[v->ngrants++] = g;
	c->filters++;
	return 0;
}

static int handle_filter_del(struct ak_daemon *d, struct ak_container *c,
			     struct ak_request *req, struct ak_reply *rep)
{
	struct ak_filter_req in;
	struct ak_vnic *v;
	int i, ret;

	memcpy(&in, req->payload, sizeof(in));
	v = own_vnic(d, c, in.vnic_id, rep);
	if (!v)
		return -ENOENT;
	i = grant_index(v, in.proto, in.port);
	if (i < 0) {
		AK_REPLY_REASON(rep, "%s/%u is not granted on VNIC %u",
				ak_proto_name(in.proto), in.port, v->id);
		return -ENOENT;
	}
	ret = backend(d)->grant(d, v, &v->grants[i], false);
	if (ret)
		return ret;
	v->grants[i] = v->grants[--v->ngrants];
	c->filters--;
	return 0;
}

static void vnic_info(struct ak_daemon *d, struct ak_vnic *v,
		      struct ak_vnic_info *info)
{
	memset(info, 0, sizeof(*info));
	info->vnic_id = v->id;
	info->container_id = v->owner->id;
	info->ipv4 = htonl(v->ipv4);
	memcpy(info->mac, v->mac, sizeof(info->mac));
	info->prefix_len = d->cfg.prefix_len;
	memcpy(info->vf_ifname, v->vf_ifname, sizeof(info->vf_ifname));
	memcpy(info->port_ifname, v->port_ifname, sizeof(info->port_ifname));
	info->ephemeral_first = d->cfg.ephemeral_first;
	info->ephemeral_last = d->cfg.ephemeral_last;
	info->filters = v->ngrants;
	backend(d)->counters(d, v, info);
}

static int handle_vnic_stats(struct ak_daemon *d, struct ak_container *c,
			     struct ak_request *req, struct ak_reply *rep)
{
	struct ak_vnic_id_req in;
	struct ak_vnic_info info;
	struct ak_vnic *v;

	memcpy(&in, req->payload, sizeof(in));
	v = own_vnic(d, c, in.vnic_id, rep);
	if (!v)
		return -ENOENT;
	vnic_info(d, v, &info);
	memcpy(rep->payload, &info, sizeof(info));
	rep->len = sizeof(info);
	return 0;
}

/* Appends entry number index of a listing if it falls in the page. */
struct page {
	struct ak_list_rep hdr;
	uint32_t start;
	uint32_t index;
	uint32_t room;
	uint8_t *p;
};

static void page_init(struct page *pg, struct ak_request *req,
		      struct ak_reply *rep, size_t entry)
{
	struct ak_list_req in;

	memcpy(&in, req->payload, sizeof(in));
	memset(pg, 0, sizeof(*pg));
	pg->start = in.start;
	pg->room = (uint32_t)((rep->cap - sizeof(pg->hdr)) / entry);
	pg->p = (uint8_t *)rep->payload + sizeof(pg->hdr);
}

static bool page_wants(struct page *pg)
{
	return pg->index++ >= pg->start && pg->hdr.count < pg->room;
}

static void page_put(struct page *pg, const void *entry, size_t len)
{
	memcpy(pg->p, entry, len);
	pg->p += len;
	pg->hdr.count++;
}

static void page_finish(struct page *pg, struct ak_reply *rep)
{
	pg->hdr.total = pg->index;
	memcpy(rep->payload, &pg->hdr, sizeof(pg->hdr));
	rep->len = (size_t)(pg->p - (uint8_t *)rep->payload);
}

static int handle_list_vnics(struct ak_daemon *d, struct ak_container *c,
			     struct ak_request *req, struct ak_reply *rep)
{
	struct ak_vnic_info info;
	struct ak_vnic *v;
	struct page pg;

	page_init(&pg, req, rep, sizeof(info));
	for (v = d->vnic->list.next; v != &d->vnic->list; v = v->next) {
		if (!page_wants(&pg))
			continue;
		vnic_info(d, v, &info);
		page_put(&pg, &info, sizeof(info));
	}
	page_finish(&pg, rep);
	return 0;
}

static int handle_list_filters(struct ak_daemon *d, struct ak_container *c,
			       struct ak_request *req, struct ak_reply *rep)
{
	struct ak_filter_info fi;
	struct ak_vnic *v;
	struct page pg;
	uint32_t i;

	page_init(&pg, req, rep, sizeof(fi));
	for (v = d->vnic->list.next; v != &d->vnic->list; v = v->next) {
		for (i = 0; i < v->ngrants; i++) {
			if (!page_wants(&pg))
				continue;
			memset(&fi, 0, sizeof(fi));
			fi.container_id = v->owner->id;
			fi.vnic_id = v->id;
			fi.ipv4 = htonl(v->ipv4);
			fi.proto = v->grants[i].proto;
			fi.port = v->grants[i].port;
			page_put(&pg, &fi, sizeof(fi));
		}
	}
	page_finish(&pg, rep);
	return 0;
}

static int vnic_start(struct ak_daemon *d)
{
	uint32_t n = d->cfg.pool_last - d->cfg.pool_first + 1;
	struct ak_vnic_state *s;
	int ret;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->pool_used = calloc(n, 1);
	if (!s->pool_used) {
		free(s);
		return -ENOMEM;
	}
	s->list.next = s->list.prev = &s->list;
	d->vnic = s;
	ret = backend(d)->start(d);
	if (ret) {
		free(s->pool_used);
		free(s);
		d->vnic = NULL;
	}
	return ret;
}

/* Containers are gone by now (the server drops them first). */
static void vnic_stop(struct ak_daemon *d)
{
	if (!d->vnic)
		return;
	backend(d)->stop(d);
	free(d->vnic->pool_used);
	free(d->vnic);
	d->vnic = NULL;
}

#define FIXED(type, msg, flags, fn)                                            \
	{                                                                      \
		msg, flags, sizeof(type), sizeof(type), fn                     \
	}

static const struct ak_handler vnic_handlers[] = {
	FIXED(struct ak_vnic_open_req, AK_MSG_VNIC_OPEN, 0, handle_vnic_open),
	FIXED(struct ak_vnic_id_req, AK_MSG_VNIC_CLOSE, 0, handle_vnic_close),
	FIXED(struct ak_filter_req, AK_MSG_FILTER_ADD, 0, handle_filter_add),
	FIXED(struct ak_filter_req, AK_MSG_FILTER_DEL, 0, handle_filter_del),
	FIXED(struct ak_vnic_id_req, AK_MSG_VNIC_STATS, 0, handle_vnic_stats),
	FIXED(struct ak_list_req, AK_MSG_LIST_VNICS, 0, handle_list_vnics),
	FIXED(struct ak_list_req, AK_MSG_LIST_FILTERS, 0, handle_list_filters),
};

const struct ak_module ak_vnic_module = {
	.name = "vnic",
	.config_section = "vnic",
	.config_set = vnic_config_set,
	.start = vnic_start,
	.stop = vnic_stop,
	.handlers = vnic_handlers,
	.nhandlers = sizeof(vnic_handlers) / sizeof(vnic_handlers[0]),
};
