# SPDX-License-Identifier: MIT
#
# Helpers of the control-plane system tests: an arrakisd of this test's own
# (socket, state directory and testnet derived from the test's pid), the
# vnic-probe raw-ring client, and arrakisctl's JSON.

CTL_TMP=$(mktemp -d /tmp/ak-ctl-test.XXXXXX)
chmod 755 "$CTL_TMP"
on_cleanup "rm -rf '$CTL_TMP'"
CTL_SOCKET=$CTL_TMP/control
ARRAKISD=$AK_BUILD_ROOT/control/arrakisd
ARRAKISCTL=$AK_BUILD_ROOT/tools/arrakisctl/arrakisctl
PROBE=$AK_BUILD_ROOT/tests/system/control/vnic-probe

[[ -x "$ARRAKISD" && -x "$ARRAKISCTL" && -x "$PROBE" ]] ||
	fail "arrakisd, arrakisctl or vnic-probe is not built"

# daemon_start [ARGS...]: arrakisd in $AK_NS_HOST; its pid in DAEMON_PID.
daemon_start() {
	start_bg ip netns exec "$AK_NS_HOST" "$ARRAKISD" \
		--socket "$CTL_SOCKET" --state-dir "$CTL_TMP/state" "$@" \
		>>"$CTL_TMP/arrakisd.log" 2>&1
	DAEMON_PID=$BG_PID
	wait_until 5 probe_socket ||
		fail "arrakisd did not start: $(cat "$CTL_TMP/arrakisd.log")"
}

probe_socket() {
	"$ARRAKISCTL" --socket "$CTL_SOCKET" containers
}

# probe_start NAME STEP...: a vnic-probe in the background, waiting until it
# printed "ready". Its pid is in PROBE_PID, its output in $CTL_TMP/NAME.out.
probe_start() {
	local name=$1
	shift
	: >"$CTL_TMP/$name.out"
	start_bg "$PROBE" "$CTL_SOCKET" "$name" "$@" >"$CTL_TMP/$name.out" \
		2>"$CTL_TMP/$name.err"
	PROBE_PID=$BG_PID
	wait_until 10 grep -q '^ready' "$CTL_TMP/$name.out" ||
		fail "probe $name not ready: $(cat "$CTL_TMP/$name.out" \
			"$CTL_TMP/$name.err")"
}

# probe_field NAME WORD N: field N of the first line of NAME's output that
# starts with WORD.
probe_field() {
	awk -v w="$2" -v n="$3" '$1 == w { print $n; exit }' "$CTL_TMP/$1.out"
}

# probe_stop NAME PID: SIGTERM, then wait for its counts.
probe_stop() {
	kill -TERM "$2"
	wait "$2" || true
	grep -q '^rx done' "$CTL_TMP/$1.out" ||
		fail "probe $1 printed no counts: $(cat "$CTL_TMP/$1.err")"
}

# probe_rx NAME PROTO PORT: frames the probe counted to that destination.
probe_rx() {
	awk -v p="$2" -v n="$3" '$1 == "rx" && $2 == p && $3 == n { c = $4 }
		END { print c + 0 }' "$CTL_TMP/$1.out"
}

# ctl_json WHAT FILTER: arrakisctl WHAT --json piped through jq FILTER.
ctl_json() {
	"$ARRAKISCTL" --socket "$CTL_SOCKET" --json "$1" | jq -r "$2"
}

# neigh ADDR MAC: the Linux client reaches a VNIC without ARP.
neigh() {
	ip -n "$AK_NS_CLIENT" neigh replace "$1" lladdr "$2" dev eth0
}

in_client() {
	ip netns exec "$AK_NS_CLIENT" "$@"
}

# Links of this test's daemon in its namespace (its VFs and bridge ports).
host_veths() {
	ip -n "$AK_NS_HOST" -o link show type veth | grep -c ': ak[0-9a-f]\{4\}[vb]' || true
}

# fds of a process, and those that are BPF programs.
fd_count() {
	ls "/proc/$1/fd" | wc -l
}

bpf_prog_fds() {
	local n=0 fd
	for fd in /proc/"$1"/fd/*; do
		[[ "$(readlink "$fd" 2>/dev/null)" == "anon_inode:bpf-prog" ]] &&
			n=$((n + 1))
	done
	echo "$n"
}

rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}
