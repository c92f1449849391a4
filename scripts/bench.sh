#!/usr/bin/env bash
# Benchmark: loads reproducible data into the local Cassandra (keyspace metric_bench, the seed's
# timer table; loaded once, then reused) and measures each case several times, printing a
# table and writing JSON under test-output/bench/. Start Cassandra first:
#   scripts/local-cassandra.sh start
# Usage: scripts/bench.sh [--large] [--runs N] [--cases REGEXP] [--no-load]
#   --large    also the 10M-point cases (loading 18M more rows takes long on a small machine)
#   --no-load  measure the data already loaded
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --large) args+=(-large) ;;
    --runs) args+=(-runs "$2"); shift ;;
    --cases) args+=(-cases "$2"); shift ;;
    --no-load) args+=(-no-load) ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
echo "load: $(uptime)" >&2
exec go run ./cmd/bench -hosts "${CASSANDRA_HOSTS:-127.0.0.1}" "${args[@]}"
