#!/usr/bin/env bash
# Node loss as a test: a 3-node cluster of its own (scripts/local-cassandra.sh --cluster fault,
# 127.0.1.1..3, replication factor 3), a steady stream of panel queries at ONE and at QUORUM
# through two metrics-servers on loopback (cmd/fault-load), one node killed with SIGKILL and
# started again; then the whole cluster down (queries must fail fast with a clear downstream
# error) and back (queries and health must recover without restarting anything). Prints the
# queries sent and failed at each level; 0 failed at both is the bar. Stops its cluster at the
# end, also on failure or interruption, and never touches the shared node on 127.0.0.1.
#
# Environment: LOCAL_CASSANDRA_HEAP (default 512m here), FAULT_TEST_BUDGET (seconds for the whole
# script, default 870: it must finish within 15 minutes), and scripts/local-cassandra.sh's variables.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS

export LOCAL_CASSANDRA_HEAP="${LOCAL_CASSANDRA_HEAP:-512m}"
cluster=(scripts/local-cassandra.sh --cluster fault)
hosts=127.0.1.1,127.0.1.2,127.0.1.3
bin_dir=$(mktemp -d)

cleanup() {
  local status=$?
  echo "==> fault-test: stopping the fault cluster"
  "${cluster[@]}" stop || true
  rm -rf "$bin_dir"
  echo "fault-test: $([ "$status" = 0 ] && echo passed || echo FAILED) in $((SECONDS - started)) s"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "==> fault-test: building cmd/fault-load"
go build -o "$bin_dir/fault-load" ./cmd/fault-load

echo "==> fault-test: starting 3 nodes on $hosts (heap $LOCAL_CASSANDRA_HEAP each)"
"${cluster[@]}" start --nodes 3

# What is left of the budget, less half a minute to stop the cluster, bounds the rest.
left=$((${FAULT_TEST_BUDGET:-870} - (SECONDS - started) - 30))
if [ "$left" -lt 300 ]; then
  echo "fault-test: starting the cluster took $((SECONDS - started)) s; $left s are left of the budget, too few for the test" >&2
  exit 1
fi
echo "==> fault-test: load, kill, restart, whole cluster down and back (at most $left s)"
# timeout: a bound on top of fault-load's own, in case a node start hangs.
timeout --kill-after=20 "$left" "$bin_dir/fault-load" --hosts "$hosts" \
  --control "scripts/local-cassandra.sh --cluster fault" --nodes 3 --kill 2 --timeout "$((left - 10))s"
