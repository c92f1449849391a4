#!/usr/bin/env bash
# Benchmark: loads reproducible data into the local Cassandra (keyspace metric_bench, the seed's
# timer table; loaded once, then reused) and measures each case several times, printing a
# table and writing JSON under test-output/bench/. Start Cassandra first:
#   scripts/local-cassandra.sh start
# The rollup cases run too: cold queries over 30 d x 1 series (5 s) and 30 d x 100 series (60 s),
# with --large also 10M points x 1 series, from raw rows and from rollups (keyspace
# metric_bench_rollups) side by side, and the rollup writer's backfill (rows/s; run once, after
# the load) next to a bare scan of the same rows. On 2 cores a first run took 7.4 min (2.7 of
# them loading and rolling up the rollup cases' 4.8M rows), later ones 1.8 min.
# Usage: scripts/bench.sh [--large] [--no-rollups] [--runs N] [--cases REGEXP] [--no-load]
#   --large       also the 10M-point cases (loading 18M more rows takes long on a small machine;
#                 rolling up the 20M rows of that table once took 4.5 min more)
#   --no-rollups  leave the rollup cases out (their data is neither loaded nor rolled up)
#   --no-load     measure the data already loaded (and rolled up)
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --large) args+=(-large) ;;
    --no-rollups) args+=(-rollups=false) ;;
    --runs) args+=(-runs "$2"); shift ;;
    --cases) args+=(-cases "$2"); shift ;;
    --no-load) args+=(-no-load) ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
echo "load: $(uptime)" >&2
exec go run ./cmd/bench -hosts "${CASSANDRA_HOSTS:-127.0.0.1}" "${args[@]}"
