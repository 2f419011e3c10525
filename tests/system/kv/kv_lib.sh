# SPDX-License-Identifier: MIT
#
# Shared by the arrakis-kv system tests (source after lib.sh, net_lib.sh):
# starts arrakis-kv on an Arrakis VNIC of this test's testnet. With
# arrakisd and arrakis-kv built, the daemon grants the VNIC and the VSA of
# the log; otherwise kv-direct opens the VNIC itself on a veth it adds to
# the bridge and keeps its log in a file opened O_DIRECT, so the same
# driver, TCP, log and server run against the same clients.
#
#   kv_start [always|none]   starts the server (again, after kv_kill, on the
#                            same VNIC address and log); sets KV_PID, KV_ADDR
#   kv_kill                  SIGKILL, as a crash
#   kv_stop                  SIGTERM; fails unless the exit is clean
#   kv_rss_kb                the server's resident memory
#   kv_cli ARGS...           redis-cli against the server, from the client
#   kv_redis_start MODE, kv_redis_stop, kv_bench, kv_pin_cpus: the Linux
#                            baseline and the benchmark runs (see below)

ARRAKIS_KV=$AK_BUILD_ROOT/apps/kv/arrakis-kv
KV_DIRECT=$AK_BUILD_ROOT/tests/system/kv/kv-direct
KV_PORT=6379
KV_PID=
KV_ADDR=
KV_STARTS=0

kv_have_daemon() {
	[[ -x "$ARRAKISD" && -x "$ARRAKIS_KV" ]]
}

kv_start() {
	local durability=${1:-always} log args=()
	net_tmp
	KV_STARTS=$((KV_STARTS + 1))
	log=$NET_TMP/kv.$KV_STARTS.log
	if kv_have_daemon; then
		daemon_start
		start_bg ${KV_SERVER_CPU:+taskset -c "$KV_SERVER_CPU"} \
			"$ARRAKIS_KV" --socket "$NET_TMP/control" \
			--name "kv$$" --port "$KV_PORT" --vsa "kv$$" \
			--vsa-size 256m --durability "$durability" \
			--maxclients 20000 >"$log" 2>&1
	else
		((KV_STARTS > 1)) || direct_vf kvf
		[[ "$durability" == always ]] && args=("$NET_TMP/kv.log" 1024)
		start_bg ${KV_SERVER_CPU:+taskset -c "$KV_SERVER_CPU"} \
			ip netns exec "$AK_NS_HOST" "$KV_DIRECT" kvf \
			198.18.0.150/24 "$KV_PORT" "${args[@]}" >"$log" 2>&1
	fi
	KV_PID=$BG_PID
	wait_until 20 grep -q "^arrakis-kv: listening" "$log" ||
		fail "arrakis-kv did not start: $(cat "$log")"
	KV_ADDR=$(sed -n 's/^arrakis-kv: listening on \([0-9.]*\):.*/\1/p' "$log")
	note "arrakis-kv pid $KV_PID at $KV_ADDR:$KV_PORT, durability $durability"
}

# Stops the server with SIGTERM and checks that it exited cleanly (a
# sanitizer build reports leaks and memory errors through the status).
kv_stop() {
	local rc=0
	kill -TERM "$KV_PID"
	wait "$KV_PID" || rc=$?
	((rc == 0)) || fail "arrakis-kv exited with $rc: $(tail -20 \
		"$NET_TMP/kv.$KV_STARTS.log")"
}

kv_kill() {
	kill -9 "$KV_PID"
	wait "$KV_PID" 2>/dev/null || true
}

kv_rss_kb() {
	local pid=$KV_PID child
	# Under `ip netns exec` the server is the child of the started pid.
	child=$(pgrep -P "$pid" | head -1 || true)
	[[ -n "$child" ]] && pid=$child
	awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status"
}

kv_cli() {
	in_client redis-cli -h "$KV_ADDR" -p "$KV_PORT" "$@"
}

# The Linux baseline: Debian's redis-server in the Linux container, with
# its data on disk next to arrakis-kv's log. MODE: always (appendonly yes,
# appendfsync always) or off (no persistence).
REDIS_PID=
kv_redis_start() {
	local mode=$1 dir args
	net_tmp
	dir=$NET_TMP/redis-$mode
	mkdir -p "$dir"
	args=(--bind "$AK_LINUX_ADDR" --port "$KV_PORT" --protected-mode no
		--save "" --dir "$dir" --logfile "$dir/redis.log"
		--maxclients 20000)
	if [[ "$mode" == always ]]; then
		args+=(--appendonly yes --appendfsync always)
	else
		args+=(--appendonly no)
	fi
	start_bg ${KV_SERVER_CPU:+taskset -c "$KV_SERVER_CPU"} \
		ip netns exec "$AK_NS_LINUX" redis-server "${args[@]}"
	REDIS_PID=$BG_PID
	wait_until 10 in_client redis-cli -h "$AK_LINUX_ADDR" -p "$KV_PORT" \
		PING || fail "redis-server did not start: $(cat "$dir/redis.log")"
}

kv_redis_stop() {
	kill "$REDIS_PID" 2>/dev/null || true
	wait "$REDIS_PID" 2>/dev/null || true
}

# kv_bench ADDR TEST CLIENTS PIPELINE REQUESTS: one redis-benchmark run of
# 1 KB values over 10,000 keys from the client namespace; prints
# "ops/s p50_ms p99_ms".
kv_bench() {
	local addr=$1 test=$2 clients=$3 pipeline=$4 n=$5 out
	out=$(in_client ${KV_CLIENT_CPU:+taskset -c "$KV_CLIENT_CPU"} \
		timeout 300 redis-benchmark -h "$addr" -p "$KV_PORT" -t "$test" \
		-c "$clients" -P "$pipeline" -n "$n" -d 1024 -r 10000 --csv \
		2>/dev/null) || fail "redis-benchmark $test against $addr failed"
	# "test","rps","avg","min","p50","p95","p99","max"
	awk -F'","' 'NR == 2 { print $2, $5, $7 }' <<<"$out"
}

# Pins the servers to the last CPU and the client to the first.
kv_pin_cpus() {
	local n
	n=$(nproc)
	if ((n >= 2)); then
		KV_SERVER_CPU=$((n - 1))
		KV_CLIENT_CPU=0
	fi
}
