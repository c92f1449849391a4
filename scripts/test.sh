#!/usr/bin/env bash
# Runs every test of Cassandra Metrics on a fresh clone: installs what the tests need, starts
# the local Cassandra (or reuses one that answers on 127.0.0.1:9042), runs the Go tests against
# it and the front-end checks, stops what it started, and exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# Each step says how long it took when the next one starts, and the run ends with every step's
# time (also after a failure), so a slow step is visible.
step_name=""
step_start=0
step_times=""
# EPOCHREALTIME is seconds and microseconds, split by the locale's decimal separator.
now_ms() { echo $((${EPOCHREALTIME//[!0-9]/} / 1000)); }
# $1, if given, is appended to the step's name (a failure).
step_done() {
  if [ -n "$step_name" ]; then
    local ms=$(($(now_ms) - step_start))
    local took
    took=$(printf '%d.%ds' $((ms / 1000)) $((ms % 1000 / 100)))
    printf -- '--- %s (%s%s)\n' "$took" "$step_name" "${1:-}"
    step_times+=$(printf '%9s  %s%s' "$took" "$step_name" "${1:-}")$'\n'
    step_name=""
  fi
}
step() {
  step_done
  step_name=$*
  step_start=$(now_ms)
  printf '\n==> %s\n' "$*"
}

# go.mod's toolchain line names the Go release with the security fixes the project needs; a
# machine whose Go is set to its local toolchain would otherwise build with an older one.
export GOTOOLCHAIN=auto

step "Go modules"
go version
go mod download

step "Front-end packages"
npm ci --no-audit --no-fund --loglevel=error

started=0
cql_up() { (exec 3<>/dev/tcp/127.0.0.1/9042) 2>/dev/null; }
if cql_up; then
  step "Reusing the Cassandra already answering on 127.0.0.1:9042"
else
  step "Starting the local Cassandra"
  scripts/local-cassandra.sh start
  started=1
fi
summary=""
cleanup() {
  local status=$?
  if [ "$status" != 0 ]; then
    step_done " - failed"
  fi
  if [ "$started" = 1 ]; then
    step "Stopping the local Cassandra this run started"
    "$root/scripts/local-cassandra.sh" stop || true
  fi
  step_done
  if [ -n "$step_times" ]; then
    printf '\nStep times:\n%s' "$step_times"
  fi
  # The tally goes last so it is the run's closing line.
  if [ -n "$summary" ]; then
    echo "$summary"
  fi
}
trap cleanup EXIT
export CASSANDRA_HOSTS=127.0.0.1

step "Go vet"
# ./... is this module's packages only: go.mod ignores node_modules (which has Go sources too).
go vet ./...

step "Go tests (against Cassandra at $CASSANDRA_HOSTS)"
go_log=$(mktemp)
# -p 2: the machine has two cores; the integration tests share one Cassandra. -v so that
# skipped tests show: with CASSANDRA_HOSTS set, none may skip.
if ! go test -count=1 -p 2 -v ./... >"$go_log" 2>&1; then
  grep -E -- '^(--- FAIL|FAIL|panic:|\s+\S+_test\.go:[0-9]+:)' "$go_log" | head -100 >&2 || true
  tail -40 "$go_log" >&2
  echo "Go tests failed (full log: $go_log)" >&2
  exit 1
fi
grep -E '^(ok|FAIL|\?) ' "$go_log"
passed=$(grep -c -- '^--- PASS' "$go_log" || true)
skipped=$(grep -c -- '--- SKIP' "$go_log" || true)
# The secure node's tests skip here and run in their own step below, with the node up.
secure_skips=$(grep -c -- 'CASSANDRA_SECURE_HOSTS is not set' "$go_log" || true)
skipped=$((skipped - secure_skips))
if [ "$skipped" != 0 ]; then
  grep -B2 -A3 -- '--- SKIP' "$go_log" >&2
  echo "$skipped Go tests were skipped although CASSANDRA_HOSTS is set" >&2
  exit 1
fi
echo "Go: $passed top-level tests passed, none skipped"
go_passed=$passed

step "Secure node: password authentication and client TLS (scripts/secure-test.sh)"
# Its own node on 127.0.2.1:9142, stopped again by the script, also on failure.
scripts/secure-test.sh

step "Fault test: node loss under load at ONE and QUORUM (scripts/fault-test.sh)"
# Its own 3-node cluster on 127.0.1.1..3, stopped again by the script, also on failure.
scripts/fault-test.sh

step "Go fuzz targets (two minutes in all)"
scripts/fuzz.sh

step "Front end: typecheck"
npm run --silent typecheck
step "Front end: lint"
npm run --silent lint
step "Front end: unit tests (Jest)"
jest_log=$(mktemp)
npm run --silent test:ci 2>&1 | tee "$jest_log"
jest_passed=$(sed -n 's/^Tests: *\([0-9][0-9]*\) passed.*/\1/p' "$jest_log" | tail -1)
step "Front end: build"
npm run --silent build

step "Browser check: the editors in Chromium, answered by metrics-server and Cassandra"
# Debian's Chromium; no browser download (playwright's own installer cannot work here).
if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
browser_log=$(mktemp)
npm run --silent e2e:browser 2>&1 | tee "$browser_log"
browser_passed=$(sed -n 's/^browser check: *\([0-9][0-9]*\) passed.*/\1/p' "$browser_log" | tail -1)

step "Backend build (mage)"
go run github.com/magefile/mage -v build:linux

step "Built plugin binary: health check over the plugin protocol"
go run ./cmd/plugin-check --binary dist/gpx_cassandra_linux_amd64 --hosts "$CASSANDRA_HOSTS"

step "All tests passed"
echo "Go $go_passed, Jest ${jest_passed:-?}, browser ${browser_passed:-?}"
summary="$((go_passed + ${jest_passed:-0} + ${browser_passed:-0})) passed, 0 failed"
