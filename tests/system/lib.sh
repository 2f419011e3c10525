# SPDX-License-Identifier: MIT
#
# Shared helpers of the system tests (bash). A test sources this file, calls
# require_root, then testnet_setup; everything it starts with start_bg and
# the testnet are removed on every exit path, including SIGINT and SIGTERM.
# A test killed with SIGKILL leaves its testnet to `scripts/testnet reap`,
# which every system test runs first.

set -euo pipefail

AK_SOURCE_ROOT=${AK_SOURCE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
AK_BUILD_ROOT=${AK_BUILD_ROOT:-$AK_SOURCE_ROOT/build}
TESTNET=$AK_SOURCE_ROOT/scripts/testnet
# Debian's interpreter, which has python3-scapy (a pyenv python3 may shadow it).
PYTHON=/usr/bin/python3

_bg_pids=()
_cleanup_hooks=()
_testnet_name=

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

skip() {
	echo "SKIP: $*"
	exit 77
}

note() {
	echo "# $*"
}

require_root() {
	((EUID == 0)) || skip "needs root for network namespaces"
}

require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || fail "missing command '$c' (run scripts/install-deps)"
	done
}

assert_eq() {
	local what=$1 expected=$2 actual=$3
	[[ "$expected" == "$actual" ]] ||
		fail "$what: expected '$expected', got '$actual'"
}

# assert_le WHAT A B: integer A <= B
assert_le() {
	local what=$1 a=$2 b=$3
	((a <= b)) || fail "$what: $a > $b"
}

# Runs a command in the background and remembers its pid for cleanup.
# The pid is left in $BG_PID.
start_bg() {
	"$@" &
	BG_PID=$!
	_bg_pids+=("$BG_PID")
}

# Registers a command to run at cleanup, before the testnet goes down.
on_cleanup() {
	_cleanup_hooks+=("$*")
}

_cleanup() {
	local rc=$? pid hook
	trap - EXIT INT TERM
	for hook in "${_cleanup_hooks[@]}"; do
		eval "$hook" >/dev/null 2>&1 || true
	done
	for pid in "${_bg_pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${_bg_pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	if [[ -n "$_testnet_name" ]]; then
		"$TESTNET" down "$_testnet_name" >/dev/null 2>&1 || true
	fi
	exit "$rc"
}

# testnet_setup [NAME]: brings up a testnet unique to this test process and
# loads its facts (AK_NS_HOST, AK_CLIENT_ADDR, ...) into the environment.
testnet_setup() {
	local name=${1:-t$$}
	"$TESTNET" reap
	trap _cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	_testnet_name=$name
	AK_TESTNET_OWNER=$$ "$TESTNET" up "$name"
	eval "$("$TESTNET" env "$name")"
}

# wait_until SECONDS CMD...: polls CMD every 50 ms until it succeeds.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		((SECONDS < deadline)) || return 1
		sleep 0.05
	done
}
