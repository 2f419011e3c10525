/* SPDX-License-Identifier: MIT */
/*
 * The durable log of arrakis-kv on a VSA: the server core's records go to
 * an Arrakis persistent log (arrakis/vlog.h) whose group commit makes many
 * clients' writes durable with one write and one flush; at open the log is
 * replayed into the keyspace.
 */
#ifndef AK_KV_PERSIST_VSA_H
#define AK_KV_PERSIST_VSA_H

#include <stdint.h>

#include <arrakis/vsa.h>

#include "apps/kv/server.h"

/* The log's largest record: the most a single write may carry. */
#define KV_LOG_MAX_RECORD (512u * 1024)

struct kv_persist;

struct ak_loop;

/*
 * Opens the log on vsa (which the caller opened, attached to loop, and
 * keeps owning), replays it into srv and attaches it as srv's log; loop
 * also carries the durability reports to srv. Errors of ak_vlog_open();
 * -EBADMSG for a record that does not decode.
 */
int kv_persist_open_vsa(struct ak_vsa *vsa, struct ak_loop *loop,
			struct kv_server *srv, struct kv_persist **out);

/* Records replayed at open. */
uint64_t kv_persist_replayed(const struct kv_persist *p);

/* Waits for appends in flight, detaches from srv and closes. NULL: no-op. */
void kv_persist_close(struct kv_persist *p);

#endif
