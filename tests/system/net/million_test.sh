#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# One million echoed datagrams, then the frame accounting of the VNIC holds
# (free + fill + rx + tx + completion == frames, nothing held by the stack
# or stuck in transmit), and afterwards the idle server uses below 1% of a
# CPU over 10 s (utime + stime from /proc/PID/stat): it sleeps on the
# doorbell instead of polling.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/net_lib.sh"
require_root
require_cmd sockperf
testnet_setup "mi$$"

echo_server_start plain 7000
target=1000000

# sockperf's throughput mode sends without waiting; the plain echo answers
# every message. Bounded: at most 6 runs of 10 s.
for run in 1 2 3 4 5 6; do
	in_client timeout 30 sockperf throughput -i "$ECHO_ADDR" -p 7000 \
		-t 10 -m 64 --mps 150000 >"$NET_TMP/tp.$run" 2>&1 ||
		fail "sockperf throughput: $(cat "$NET_TMP/tp.$run")"
	echo_stats_refresh
	echoed=$(echo_stat "['echo']['echoed']")
	note "run $run: $echoed echoed"
	((echoed >= target)) && break
done
((echoed >= target)) || fail "only $echoed datagrams echoed"
assert_eq "send failures" 0 "$(echo_stat "['echo']['send_failed']")"

sleep 0.5
echo_stats_refresh
for k in total free fill rx tx completion balanced; do
	eval "frames_$k=\$(echo_stat \"['stack']['frames']['$k']\")"
done
note "frames: total $frames_total free $frames_free fill $frames_fill" \
	"rx $frames_rx tx $frames_tx completion $frames_completion"
assert_eq "accounting balanced" True "$frames_balanced"
assert_eq "frames held by the stack" 0 "$frames_rx"
assert_eq "frames in transmit" 0 "$((frames_tx + frames_completion))"
assert_eq "free + fill" "$frames_total" "$((frames_free + frames_fill))"

cpu_ticks() {
	awk '{print $14 + $15}' "/proc/$ECHO_PID/stat"
}
hz=$(getconf CLK_TCK)
t0=$(cpu_ticks)
sleep 10
t1=$(cpu_ticks)
# Below 1% of 10 s: fewer than 0.1 s of CPU time.
note "idle: $((t1 - t0)) ticks of CPU in 10 s (at $hz Hz)"
assert_le "idle CPU ticks in 10 s" "$((t1 - t0))" "$((hz / 10 - 1))"
echo_server_stop
echo "ok: $echoed echoed, frames balanced, idle server below 1% CPU"
