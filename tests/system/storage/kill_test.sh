#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# kill -9 of a process writing a VSA log, 100 times at random moments: each
# new writer recovers the log through arrakisd and checks that it reaches
# the last sequence number the previous writer printed as acknowledged, and
# that every record holds its bytes. The log wraps (the writer trims) along
# the way. Bounded: at most 300 ms of writing per round.
source "$(dirname "$0")/lib_storage.sh"

storage_setup $((64 * MIB))
daemon_start
vsa create wal $((4 * MIB))

min=-1
for round in $(seq 1 100); do
	"$WRITER" --socket "$SOCK" --vsa wal --min "$min" \
		>"$AK_DIR/acks" 2>"$AK_DIR/writer.err" &
	pid=$!
	sleep "0.$(printf '%03d' $((RANDOM % 300)))"
	kill -9 "$pid" 2>/dev/null || true
	status=0
	wait "$pid" || status=$?
	if ((status != 137)); then
		cat "$AK_DIR/writer.err" >&2
		fail "round $round: writer exited with $status instead of being killed"
	fi
	last=$(tail -n 1 "$AK_DIR/acks")
	[[ -n "$last" ]] && min=$last
done
note "100 kills, last acknowledged record $min"

# The final check: recover once more, append one record, exit cleanly.
"$WRITER" --socket "$SOCK" --vsa wal --min "$min" --count 1 >/dev/null \
	2>"$AK_DIR/writer.err" || {
	cat "$AK_DIR/writer.err" >&2
	fail "the last acknowledged record ($min) was lost"
}
note "$(cat "$AK_DIR/writer.err")"

no_grants() {
	vsa list | awk '$4 != 0 { exit 1 }'
}
wait_until 5 no_grants || fail "grants of killed writers remain: $(vsa list)"
daemon_stop
echo "PASS"
