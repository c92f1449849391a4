#!/usr/bin/env bash
# Runs the test command (scripts/test.sh, or the command given as arguments) while two CPU-bound
# busy loops compete with it for the CPU, to show that no test depends on an idle machine.
# The loops stop when the command ends, fails or is interrupted; the exit status is the
# command's (128 + the signal's number when this script is interrupted).
#   scripts/test-under-load.sh              # scripts/test.sh under load
#   LOAD_LOOPS=4 scripts/test-under-load.sh  # more busy loops
set -uo pipefail
cd "$(dirname "$0")/.."

loops=${LOAD_LOOPS:-2}
if [ "$#" -eq 0 ]; then
  set -- scripts/test.sh
fi

# Job control gives the command its own process group, so an interruption can stop all of it
# (go test, jest, ...) and not leave children running; scripts/test.sh's own exit trap then stops
# the Cassandra it started.
set -m

loop_pids=()
test_pid=""

stop_loops() {
  local pid
  for pid in "${loop_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${loop_pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  loop_pids=()
}

on_signal() {
  local name=$1 number=$2
  trap - INT TERM HUP
  echo "test-under-load: $name received, stopping the tests and the busy loops" >&2
  if [ -n "$test_pid" ]; then
    kill -s "$name" -- "-$test_pid" 2>/dev/null || true
    wait "$test_pid" 2>/dev/null || true
  fi
  stop_loops
  exit $((128 + number))
}

trap stop_loops EXIT
trap 'on_signal INT 2' INT
trap 'on_signal TERM 15' TERM
trap 'on_signal HUP 1' HUP

for _ in $(seq "$loops"); do
  # Plain shell arithmetic in a loop: one busy core each, no I/O.
  bash -c 'while :; do :; done' &
  loop_pids+=("$!")
done
echo "==> $loops CPU busy loops running (pids ${loop_pids[*]}); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "==> $*"

start=$SECONDS
"$@" &
test_pid=$!
wait "$test_pid"
status=$?
test_pid=""

echo "==> under load: exit status $status after $((SECONDS - start))s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
stop_loops
exit "$status"
