# SPDX-License-Identifier: MIT
#
# Helpers of the storage system tests: an arrakisd of the test's own (state
# directory, socket and backing file under a private temporary directory),
# stopped and removed on every exit path. Needs root and loop devices.

source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

CLIENT=$AK_BUILD_ROOT/tests/system/storage/vsa-client
WRITER=$AK_BUILD_ROOT/tests/system/storage/vlog-writer
ARRAKISD=$AK_BUILD_ROOT/control/arrakisd
MIB=$((1024 * 1024))

storage_setup() {
	require_root
	[[ -w /dev/loop-control ]] || skip "no /dev/loop-control"
	trap _cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	AK_DIR=$(mktemp -d /tmp/ak-storage-test.XXXXXX)
	on_cleanup "rm -rf '$AK_DIR'"
	# Other uids must reach the socket: policy, not the directory, decides.
	chmod 755 "$AK_DIR"
	SOCK=$AK_DIR/control.sock
	STATE=$AK_DIR/state
	STORE=$STATE/vsa.img
	printf '[storage]\nsize = %d\n' "${1:-$((256 * MIB))}" >"$AK_DIR/arrakisd.ini"
	DAEMON_PID=
}

daemon_start() {
	rm -f "$SOCK"
	start_bg "$ARRAKISD" --config "$AK_DIR/arrakisd.ini" --socket "$SOCK" \
		--state-dir "$STATE" 2>>"$AK_DIR/arrakisd.log"
	DAEMON_PID=$BG_PID
	wait_until 10 test -S "$SOCK" || fail "arrakisd did not start: $(tail -5 "$AK_DIR/arrakisd.log")"
}

daemon_stop() {
	kill "$DAEMON_PID"
	wait "$DAEMON_PID" || true
	DAEMON_PID=
}

vsa() {
	"$CLIENT" "$SOCK" "$@"
}

# The extents of VSA $1 in `vsa list` form (offset+length ...).
vsa_extents() {
	vsa list | awk -v n="$1" '$1 == n { $1 = $2 = $3 = $4 = ""; print }' |
		sed 's/^ *//'
}
