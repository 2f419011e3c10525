#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# 10,000 concurrent client connections to arrakis-kv: all accepted, all
# open at once, each served a SET and a GET, within 120 seconds.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../net/net_lib.sh"
source "$(dirname "$0")/kv_lib.sh"
require_root
testnet_setup "kn$$"
((${KV_CONNS:=10000} + 100 <= $(ulimit -n))) ||
	ulimit -n $((KV_CONNS + 100)) 2>/dev/null ||
	skip "needs $KV_CONNS file descriptors, the limit is $(ulimit -n)"
kv_start none

in_client timeout 180 "$PYTHON" \
	"$AK_SOURCE_ROOT/tests/system/kv/many_conns.py" "$KV_ADDR" \
	"$KV_PORT" "$KV_CONNS" 120 || fail "not every connection was served"
assert_eq "PING afterwards" PONG "$(kv_cli PING)"
kv_stop
echo "ok: $KV_CONNS concurrent connections accepted and served"
