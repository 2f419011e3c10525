#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# kill -9 of a container: within one second its VF, its programs and the
# daemon's fds for it are gone. Then open/kill cycles (up to 200, bounded
# to about 60 s) leave this daemon's veths, BPF program fds, open fds and
# RSS where they started.
source "$(dirname "$0")/../lib.sh"
require_root
require_cmd bpftool
testnet_setup "cd$$"
source "$(dirname "$0")/ctl_lib.sh"

daemon_start
base_fds=$(fd_count "$DAEMON_PID")
assert_eq "veths before" 0 "$(host_veths)"

probe_start victim open grant udp:7000 ready rx 0
vf=$(ctl_json vnics '.[0].vf')
port=$(ctl_json vnics '.[0].port')
xdp_id=$(ip -n "$AK_NS_HOST" -d link show dev "$vf" | awk '/prog\/xdp/ { for (i = 1; i < NF; i++) if ($i == "id") print $(i + 1) }')
tc_id=$(ip netns exec "$AK_NS_HOST" tc filter show dev "$port" ingress | awk '{ for (i = 1; i < NF; i++) if ($i == "id") print $(i + 1) }' | head -1)
[[ -n "$xdp_id" && -n "$tc_id" ]] || fail "no programs attached ($xdp_id, $tc_id)"
bpftool prog show id "$xdp_id" >/dev/null || fail "no XDP program $xdp_id"
assert_eq "veths with a VNIC" 2 "$(host_veths)"
(($(bpf_prog_fds "$DAEMON_PID") == 2)) || fail "daemon holds $(bpf_prog_fds "$DAEMON_PID") program fds"

gone() {
	! ip -n "$AK_NS_HOST" link show dev "$vf" >/dev/null 2>&1 &&
		! bpftool prog show id "$xdp_id" >/dev/null 2>&1 &&
		! bpftool prog show id "$tc_id" >/dev/null 2>&1 &&
		(($(fd_count "$DAEMON_PID") == base_fds))
}
start=$(date +%s%N)
kill -9 "$PROBE_PID"
wait "$PROBE_PID" 2>/dev/null || true
wait_until 1 gone || fail "after kill -9: VF, programs or fds remain after 1 s"
note "teardown took $((($(date +%s%N) - start) / 1000000)) ms"
assert_eq "veths after kill" 0 "$(host_veths)"
assert_eq "containers after kill" 0 "$(ctl_json containers length)"

cycle() {
	probe_start "c$1" open grant udp:7000 ready rx 0
	kill -9 "$PROBE_PID"
	wait "$PROBE_PID" 2>/dev/null || true
}

# Warm up the allocator, then measure.
for i in 1 2 3 4 5; do cycle "$i"; done
wait_until 2 gone || fail "warm-up left something behind"
base_rss=$(rss_kb "$DAEMON_PID")
deadline=$((SECONDS + 60))
n=0
while ((n < 200 && SECONDS < deadline)); do
	cycle "$n"
	n=$((n + 1))
done
((n >= 50)) || fail "only $n cycles in 60 s"
wait_until 2 gone || fail "after $n cycles: $(host_veths) veths, $(fd_count "$DAEMON_PID") fds (base $base_fds)"
assert_eq "veths after $n cycles" 0 "$(host_veths)"
assert_eq "program fds after $n cycles" 0 "$(bpf_prog_fds "$DAEMON_PID")"
assert_eq "fds after $n cycles" "$base_fds" "$(fd_count "$DAEMON_PID")"
rss=$(rss_kb "$DAEMON_PID")
note "$n cycles; RSS $base_rss kB -> $rss kB"
((rss <= base_rss + 1024)) || fail "RSS grew from $base_rss to $rss kB"
echo "ok: kill -9 leaves nothing behind, $n cycles leave no leak"
