#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# kill -9 of arrakis-kv (durability always) in the middle of a
# redis-benchmark -t set run: after a restart every SET that a client saw
# acknowledged is there with its value. The acknowledgements are recorded
# by a client of our own that writes while redis-benchmark loads the
# server.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../net/net_lib.sh"
source "$(dirname "$0")/kv_lib.sh"
require_root
require_cmd redis-benchmark redis-cli
testnet_setup "kk$$"
kv_start always
net_tmp

for round in 1 2; do
	start_bg ip netns exec "$AK_NS_CLIENT" timeout 60 redis-benchmark \
		-h "$KV_ADDR" -p "$KV_PORT" -n 10000000 -c 20 -r 100000 -d 100 \
		-t set -q >"$NET_TMP/bench.$round" 2>&1
	bench=$BG_PID
	start_bg ip netns exec "$AK_NS_CLIENT" "$PYTHON" \
		"$AK_SOURCE_ROOT/tests/system/kv/acked_writer.py" write \
		"$KV_ADDR" "$KV_PORT" "$NET_TMP/acks.$round" 3
	writer=$BG_PID
	sleep 2
	kv_kill
	# Nothing answers for the dead server: the clients time out, or go.
	kill "$bench" 2>/dev/null || true
	wait "$bench" 2>/dev/null || true
	wait "$writer" || true
	acked=$(wc -l <"$NET_TMP/acks.$round")
	((acked > 100)) || fail "round $round: only $acked writes acknowledged"

	kv_start always
	in_client "$PYTHON" "$AK_SOURCE_ROOT/tests/system/kv/acked_writer.py" \
		verify "$KV_ADDR" "$KV_PORT" "$NET_TMP/acks.$round" ||
		fail "round $round: acknowledged writes lost"
	keys=$(kv_cli DBSIZE)
	note "round $round: $acked acknowledged writes kept, $keys keys"
done
kv_stop
echo "ok: every acknowledged SET survived kill -9 twice"
