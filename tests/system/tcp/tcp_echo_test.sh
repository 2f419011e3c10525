#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# arrakis-echo --tcp on a VNIC granted by arrakisd (the listener's port is
# granted through the control connection and the XDP filter): nc and socat
# each get 20 MB back byte-exact from the plain mode, sockperf --tcp ping-pong
# runs against the sockperf mode, a port without a listener is refused
# (RST), and arrakis-echo exits cleanly. Skips when arrakisd is not built.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../net/net_lib.sh"

require_root
require_cmd nc socat sockperf cmp
have_daemon || skip "arrakisd or arrakis-echo is not built"
testnet_setup
net_tmp
daemon_start

start_tcp_echo() {
	local name=$1 port=$2 mode=$3 log=$NET_TMP/$1.log
	start_bg "$ARRAKIS_ECHO" --socket "$NET_TMP/control" --name "$name" \
		--tcp "$port" --tcp-mode "$mode" >"$log" 2>&1
	TCP_ECHO_PID=$BG_PID
	wait_until 10 grep -q "^arrakis-echo: tcp" "$log" ||
		fail "arrakis-echo did not start: $(cat "$log")"
	TCP_ECHO_ADDR=$(sed -n 's/^arrakis-echo: tcp \([0-9.]*\):.*/\1/p' "$log")
	note "$name: $TCP_ECHO_ADDR:$port ($mode)"
}

stop_tcp_echo() {
	kill "$TCP_ECHO_PID"
	wait "$TCP_ECHO_PID" || fail "arrakis-echo exited with status $?"
}

"$AK_BUILD_ROOT/tests/system/tcp/tcp-direct" pattern $((20 << 20)) >"$NET_TMP/in"

start_tcp_echo plain 7000 plain
ip netns exec "$AK_NS_CLIENT" timeout 60 nc -N "$TCP_ECHO_ADDR" 7000 \
	<"$NET_TMP/in" >"$NET_TMP/out" || fail "nc did not finish"
cmp "$NET_TMP/in" "$NET_TMP/out" || fail "nc: echo differs"
ip netns exec "$AK_NS_CLIENT" timeout 60 socat -b 65536 -t 10 - \
	"TCP:$TCP_ECHO_ADDR:7000" <"$NET_TMP/in" >"$NET_TMP/out2" ||
	fail "socat did not finish"
cmp "$NET_TMP/in" "$NET_TMP/out2" || fail "socat: echo differs"
if ip netns exec "$AK_NS_CLIENT" timeout 5 nc -z "$TCP_ECHO_ADDR" 7001; then
	fail "a port without a listener accepted a connection"
fi
stop_tcp_echo

start_tcp_echo pingpong 7002 sockperf
ip netns exec "$AK_NS_CLIENT" timeout 30 sockperf ping-pong --tcp \
	-i "$TCP_ECHO_ADDR" -p 7002 -t 2 -m 64 >"$NET_TMP/sockperf" 2>&1 ||
	fail "sockperf: $(tail -5 "$NET_TMP/sockperf")"
grep "Summary: Latency is" "$NET_TMP/sockperf" | sed 's/^/# /' ||
	fail "sockperf: no summary: $(tail -5 "$NET_TMP/sockperf")"
stop_tcp_echo
echo "PASS: arrakis-echo --tcp through arrakisd"
