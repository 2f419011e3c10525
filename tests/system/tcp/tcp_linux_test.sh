#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The Arrakis TCP stack (tcp-direct on an AF_XDP VF) against Linux peers,
# with lossy-wire between the client and the bridge dropping TCP_LOSS of
# the frames (plus 0.5% duplicated, 1% reordered when TCP_LOSS > 0):
#   server role: nc sends TCP_MB MB to the plain echo and reads them back;
#                both directions must be byte-exact;
#   client role: tcp-direct sends TCP_MB MB to a socat echo on the Linux
#                client and checks what comes back;
#   sockperf --tcp ping-pong against the sockperf mode (no loss only).
# "No stall" is enforced by a timeout on every transfer.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/tcp-lib.sh"

require_root
require_cmd nc socat sockperf cmp
loss=${TCP_LOSS:-0}
mb=${TCP_MB:-100}
bytes=$((mb * 1024 * 1024))
seed=${TCP_SEED:-$$}
limit=${TCP_TIME_LIMIT:-400}

testnet_setup
TCP_TMP=$(mktemp -d)
on_cleanup rm -rf "$TCP_TMP"
tcp_vf_setup
if [[ "$loss" != 0 ]]; then
	note "lossy-wire: loss $loss, seed $seed (TCP_SEED=$seed replays it)"
	tcp_lossy_setup --seed "$seed" --loss "$loss" --dup 0.005 \
		--reorder 0.01 --jitter-us 300 2>"$TCP_TMP/lossy.err"
fi
tcp_pattern "$bytes" >"$TCP_TMP/pattern"

note "server role: $mb MB each way through the plain echo (nc)"
tcp_direct_serve 5001 plain
start=$SECONDS
ip netns exec "$AK_NS_CLIENT" timeout "$limit" \
	nc -N "$TCP_VF_ADDR" 5001 <"$TCP_TMP/pattern" >"$TCP_TMP/echoed" ||
	fail "nc: transfer did not finish within ${limit}s ($(stat -c %s "$TCP_TMP/echoed") bytes back)"
cmp "$TCP_TMP/pattern" "$TCP_TMP/echoed" || fail "server role: echo differs"
note "server role: byte-exact in $((SECONDS - start)) s"
tcp_direct_stop
grep '^tcp-direct: segs' "$TCP_TMP/serve.5001.out" | sed 's/^/# /'

note "client role: $mb MB each way to a socat echo on Linux"
start_bg ip netns exec "$AK_NS_CLIENT" socat TCP-LISTEN:6001,reuseaddr SYSTEM:cat
wait_until 5 ip netns exec "$AK_NS_CLIENT" ss -ltn 'sport = :6001' \| grep -q 6001 || true
start=$SECONDS
tcp_direct_connect "$AK_CLIENT_ADDR" 6001 "$bytes" echo >"$TCP_TMP/client.out" 2>&1 ||
	fail "client role: $(cat "$TCP_TMP/client.out")"
grep -v '^lib' "$TCP_TMP/client.out" | sed 's/^/# /'
note "client role: byte-exact in $((SECONDS - start)) s"

note "client role: $mb MB from tcp-direct into socat, compared on disk"
start_bg ip netns exec "$AK_NS_CLIENT" socat -u TCP-LISTEN:6002,reuseaddr \
	"OPEN:$TCP_TMP/received,creat,trunc"
sleep 0.3
tcp_direct_connect "$AK_CLIENT_ADDR" 6002 "$bytes" send >"$TCP_TMP/send.out" 2>&1 ||
	fail "client send: $(cat "$TCP_TMP/send.out")"
wait_until 30 test "$(stat -c %s "$TCP_TMP/received")" = "$bytes" ||
	fail "socat received $(stat -c %s "$TCP_TMP/received") of $bytes bytes"
cmp "$TCP_TMP/pattern" "$TCP_TMP/received" || fail "client send: data differs"

if [[ "$loss" == 0 ]]; then
	note "sockperf --tcp ping-pong against the sockperf mode"
	tcp_direct_serve 5002 sockperf
	ip netns exec "$AK_NS_CLIENT" timeout 30 sockperf ping-pong --tcp \
		-i "$TCP_VF_ADDR" -p 5002 -t 2 -m 64 >"$TCP_TMP/sockperf.out" 2>&1 ||
		fail "sockperf: $(tail -5 "$TCP_TMP/sockperf.out")"
	grep -q "Summary: Latency is" "$TCP_TMP/sockperf.out" ||
		fail "sockperf: no latency summary: $(tail -5 "$TCP_TMP/sockperf.out")"
	grep "Summary: Latency is" "$TCP_TMP/sockperf.out" | sed 's/^/# /'
fi
tcp_direct_stop
[[ -f "$TCP_TMP/lossy.err" ]] && { kill "$LOSSY_PID" 2>/dev/null; sleep 0.2; sed 's/^/# /' "$TCP_TMP/lossy.err"; }
echo "PASS: tcp against linux at loss $loss"
