#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# sockperf against arrakis-echo from the client namespace: ping-pong and
# under-load complete with no lost message, and in plain mode UDP datagrams
# of 4,000 and 60,000 bytes (fragmented by the Linux client) come back byte
# for byte.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/net_lib.sh"
require_root
require_cmd sockperf
testnet_setup "sp$$"

echo_server_start sockperf 11111
sp_addr=$ECHO_ADDR sp_pid=$ECHO_PID sp_stats=$ECHO_STATS

# sockperf prints "# dropped messages = N"; every run must report 0 and a
# non-zero count of observations.
check_sockperf() {
	local what=$1 out=$2 dropped obs
	dropped=$(sed -n 's/.*# dropped messages = \([0-9]*\).*/\1/p' "$out")
	obs=$(sed -n 's/.*Total \([0-9]*\) observations.*/\1/p' "$out")
	[[ -n "$dropped" && -n "$obs" ]] || fail "$what: no result: $(cat "$out")"
	assert_eq "$what dropped messages" 0 "$dropped"
	((obs > 100)) || fail "$what: only $obs observations"
	note "$what: $obs observations, none dropped"
}

in_client timeout 30 sockperf ping-pong -i "$sp_addr" -p 11111 -t 3 -m 64 \
	>"$NET_TMP/pp" 2>&1 || fail "sockperf ping-pong: $(cat "$NET_TMP/pp")"
check_sockperf ping-pong "$NET_TMP/pp"

in_client timeout 30 sockperf under-load -i "$sp_addr" -p 11111 -t 3 -m 64 \
	--mps 20000 >"$NET_TMP/ul" 2>&1 ||
	fail "sockperf under-load: $(cat "$NET_TMP/ul")"
check_sockperf under-load "$NET_TMP/ul"

in_client timeout 30 sockperf ping-pong -i "$sp_addr" -p 11111 -t 2 \
	-m 1472 >"$NET_TMP/pp1472" 2>&1 ||
	fail "sockperf ping-pong 1472: $(cat "$NET_TMP/pp1472")"
check_sockperf "ping-pong 1472 bytes" "$NET_TMP/pp1472"

echo_server_start plain 7000
in_client timeout 20 "$PYTHON" - "$ECHO_ADDR" 7000 <<'PY' ||
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
for n in (4000, 60000, 4000, 60000):
    data = os.urandom(n)
    s.sendto(data, (sys.argv[1], int(sys.argv[2])))
    reply, _ = s.recvfrom(65536)
    if reply != data:
        sys.exit(f"{n}-byte datagram came back as {len(reply)} different bytes")
    print(f"# {n} bytes echoed byte-exact")
PY
	fail "large datagrams did not echo"
echo_stats_refresh
assert_eq "reassembled datagrams" 4 "$(echo_stat "['stack']['ip_reassembled']")"
# 4000 -> 3 fragments, 60000 -> 41, twice.
assert_eq "fragments sent" 88 "$(echo_stat "['stack']['ip_fragments_tx']")"

ECHO_PID=$sp_pid ECHO_STATS=$sp_stats echo_stats_refresh
ECHO_STATS=$sp_stats
assert_eq "echo send failures" 0 "$(echo_stat "['echo']['send_failed']")"
echo_server_stop
ECHO_PID=$sp_pid echo_server_stop
echo "ok: sockperf ping-pong and under-load without loss; large datagrams exact"
