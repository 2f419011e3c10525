#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Malformed RESP against arrakis-kv: negative and absurd lengths, 1 GB
# length claims, binary junk, unterminated requests, 10,000 pipelined
# requests in one write. Each gets Redis's error or a disconnect, a
# well-behaved client keeps being served meanwhile, and the server's memory
# stays bounded.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../net/net_lib.sh"
source "$(dirname "$0")/kv_lib.sh"
require_root
testnet_setup "km$$"
kv_start none

before=$(kv_rss_kb)
in_client timeout 120 "$PYTHON" \
	"$AK_SOURCE_ROOT/tests/system/kv/malformed.py" "$KV_ADDR" "$KV_PORT" ||
	fail "malformed RESP was not handled"
after=$(kv_rss_kb)
note "server RSS ${before} kB before, ${after} kB after"
assert_le "RSS growth (kB)" "$((after - before))" $((64 * 1024))
kill -0 "$KV_PID" || fail "the server died"
assert_eq "PING afterwards" PONG "$(kv_cli PING)"
kv_stop
echo "ok: malformed RESP answered or disconnected, memory bounded"
