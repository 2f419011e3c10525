#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# redis-benchmark -t ping,set,get,incr,mset against arrakis-kv, durability
# always: every test completes, and the server answered no request with an
# error.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../net/net_lib.sh"
source "$(dirname "$0")/kv_lib.sh"
require_root
require_cmd redis-benchmark redis-cli
testnet_setup "kb$$"
kv_start always

net_tmp
in_client timeout 120 redis-benchmark -h "$KV_ADDR" -p "$KV_PORT" \
	-n 20000 -c 50 -r 10000 --csv -t ping,set,get,incr,mset \
	>"$NET_TMP/bench.csv" 2>"$NET_TMP/bench.err" ||
	fail "redis-benchmark: $(cat "$NET_TMP/bench.err")"
cat "$NET_TMP/bench.csv"
for t in PING_INLINE PING_MBULK SET GET INCR MSET; do
	grep -q "^\"$t" "$NET_TMP/bench.csv" || fail "no result for $t"
done
if grep -qi "err" "$NET_TMP/bench.err"; then
	fail "redis-benchmark saw errors: $(cat "$NET_TMP/bench.err")"
fi
errors=$(kv_cli INFO stats | tr -d '\r' | sed -n 's/^total_error_replies://p')
assert_eq "error replies" 0 "$errors"
kv_stop
echo "ok: redis-benchmark ping, set, get, incr, mset without errors"
