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
run_start=$(now_ms)

# A job in the background, beside the steps that follow it (for work that leaves a core idle:
# tsc and eslint are single-threaded, the fuzz step is one worker). Its output is kept and printed
# when it is waited for, and its time goes into the step table.
bg_names=()
bg_pids=()
bg_logs=()
bg_starts=()
bg_start() {
  local name=$1
  shift
  local log
  log=$(mktemp)
  # The subshell notes when the job ended (so its time is its own, not until it is waited for),
  # and passes a TERM from the cleanup on to the job.
  (
    set +e
    "$@" &
    job=$!
    trap 'kill "$job" 2>/dev/null' TERM
    wait "$job"
    rc=$?
    now_ms >"$log.end"
    exit "$rc"
  ) >"$log" 2>&1 &
  bg_names+=("$name")
  bg_pids+=("$!")
  bg_logs+=("$log")
  bg_starts+=("$(now_ms)")
  echo "(started in the background: $name)"
}
# Waits for the background job named $1, prints its output and returns its exit status.
bg_wait() {
  local i rc ms took
  for i in "${!bg_names[@]}"; do
    [ "${bg_names[$i]}" = "$1" ] || continue
    rc=0
    wait "${bg_pids[$i]}" || rc=$?
    ms=$(($(cat "${bg_logs[$i]}.end" 2>/dev/null || now_ms) - bg_starts[i]))
    took=$(printf '%d.%ds' $((ms / 1000)) $((ms % 1000 / 100)))
    printf -- '--- %s: %s (%s, in the background)\n' "$1" "$([ "$rc" = 0 ] && echo ok || echo FAILED)" "$took"
    cat "${bg_logs[$i]}"
    rm -f "${bg_logs[$i]}" "${bg_logs[$i]}.end"
    step_times+=$(printf '%9s  %s%s' "$took" "(in the background) ${bg_names[$i]}" "$([ "$rc" = 0 ] || echo ' - failed')")$'\n'
    unset 'bg_names[i]' 'bg_pids[i]' 'bg_logs[i]' 'bg_starts[i]'
    return "$rc"
  done
  echo "bg_wait: no background job $1" >&2
  return 1
}

# go.mod's toolchain line names the Go release with the security fixes the project needs; a
# machine whose Go is set to its local toolchain would otherwise build with an older one.
export GOTOOLCHAIN=auto

started=0
summary=""
# Installed before the first step, so that the step table is printed whichever step fails.
cleanup() {
  local status=$?
  if [ "$status" != 0 ]; then
    step_done " - failed"
  fi
  local i
  for i in "${!bg_pids[@]}"; do
    echo "stopping the background job ${bg_names[$i]} (pid ${bg_pids[$i]})" >&2
    kill "${bg_pids[$i]}" 2>/dev/null || true
    wait "${bg_pids[$i]}" 2>/dev/null || true
    cat "${bg_logs[$i]}" >&2 || true
    step_times+=$(printf '%9s  %s' '' "(in the background) ${bg_names[$i]} - stopped")$'\n'
  done
  if [ "$started" = 1 ]; then
    step "Stopping the local Cassandra this run started"
    "$root/scripts/local-cassandra.sh" stop || true
  fi
  step_done
  if [ -n "$step_times" ]; then
    local ms=$(($(now_ms) - run_start))
    printf '\nStep times:\n%s%9s  %s\n' "$step_times" "$((ms / 1000))s" "in all$([ "$status" = 0 ] || echo ", exit status $status")"
  fi
  # The tally goes last so it is the run's closing line.
  if [ -n "$summary" ]; then
    echo "$summary"
  fi
}
trap cleanup EXIT

step "Go modules"
go version
go mod download

# npm ci deletes node_modules and installs it again from package-lock.json (about two minutes on a
# loaded machine). A node_modules that npm itself installed from this package-lock.json is kept:
# npm's own record of what it installed (node_modules/.package-lock.json) must list exactly the
# lock's packages (but optional ones for other platforms and extraneous ones), and each package installed must be the
# version both name. Anything else (no node_modules, another lock, a package changed or missing)
# runs npm ci.
node_modules_match_lock() {
  node -e '
    const fs = require("fs");
    const lock = JSON.parse(fs.readFileSync("package-lock.json", "utf8")).packages;
    const got = JSON.parse(fs.readFileSync("node_modules/.package-lock.json", "utf8")).packages;
    const bad = [];
    for (const [k, v] of Object.entries(lock)) {
      if (k === "") continue;
      if (!(k in got)) {
        // npm ci installs neither optional packages for other platforms nor entries the lock
        // itself marks extraneous.
        if (!v.optional && !v.extraneous) bad.push(k + " is not installed");
      } else if (JSON.stringify(v) !== JSON.stringify(got[k])) {
        bad.push(k + " differs from package-lock.json");
      }
    }
    for (const [k, v] of Object.entries(got)) {
      if (!(k in lock)) { bad.push(k + " is not in package-lock.json"); continue; }
      if (v.link || !v.version) continue;
      let pj;
      try { pj = JSON.parse(fs.readFileSync(k + "/package.json", "utf8")); } catch { bad.push(k + " has no package.json"); continue; }
      if (pj.version !== v.version) bad.push(k + " is " + pj.version + ", not " + v.version);
    }
    if (bad.length) { console.log("node_modules does not match package-lock.json: " + bad.slice(0, 3).join("; ")); process.exit(1); }
  ' 2>/dev/null
}
step "Front-end packages"
if [ -f node_modules/.package-lock.json ] && node_modules_match_lock; then
  echo "node_modules is what package-lock.json names: npm ci not needed"
else
  npm ci --no-audit --no-fund --loglevel=error
fi

cql_up() { (exec 3<>/dev/tcp/127.0.0.1/9042) 2>/dev/null; }
if cql_up; then
  step "Reusing the Cassandra already answering on 127.0.0.1:9042"
else
  step "Starting the local Cassandra"
  scripts/local-cassandra.sh start
  started=1
fi
export CASSANDRA_HOSTS=127.0.0.1

step "Go vet"
# ./... is this module's packages only: go.mod ignores node_modules (which has Go sources too).
go vet ./...

step "gosec (security checks of the Go code; every #nosec says why)"
# Pinned, from the Go module proxy; the plugin validator runs the same checks.
go run github.com/securego/gosec/v2/cmd/gosec@v2.30.0 -quiet -fmt text ./...

# The engine, the bin cache, the server and the rollups run their tests with the race detector (and only so:
# the same tests, once), the other packages without it. -p 2: the machine has two cores; the
# integration tests share one Cassandra. -v so that skipped tests show: with CASSANDRA_HOSTS set,
# none may skip. -vet=off: the Go vet step above ran every vet check on the same packages and
# their tests (go test's own vet run is a subset of those checks).
race_pkgs=$(go list ./pkg/engine/... ./pkg/bincache/... ./pkg/server/... ./pkg/rollup/...)
other_pkgs=$(go list ./... | grep -v -x -F -f <(echo "$race_pkgs"))
go_passed=0
# $1: the log of a go test -v run. Prints the package lines and adds the passed tests to go_passed;
# fails if a test was skipped.
go_tally() {
  grep -E '^(ok|FAIL|\?) ' "$1"
  local passed skipped secure_skips
  passed=$(grep -c -- '^--- PASS' "$1" || true)
  skipped=$(grep -c -- '--- SKIP' "$1" || true)
  # The secure node's tests skip here and run in their own step below, with the node up.
  secure_skips=$(grep -c -- 'CASSANDRA_SECURE_HOSTS is not set' "$1" || true)
  skipped=$((skipped - secure_skips))
  if [ "$skipped" != 0 ]; then
    grep -B2 -A3 -- '--- SKIP' "$1" >&2
    echo "$skipped Go tests were skipped although CASSANDRA_HOSTS is set" >&2
    exit 1
  fi
  echo "Go: $passed top-level tests passed, none skipped"
  go_passed=$((go_passed + passed))
}
# $1: the log; the rest: the go test command.
go_test() {
  local log=$1
  shift
  if ! "$@" >"$log" 2>&1; then
    grep -E -- '^(--- FAIL|FAIL|panic:|WARNING: DATA RACE|\s+\S+_test\.go:[0-9]+:)' "$log" | head -100 >&2 || true
    tail -40 "$log" >&2
    echo "Go tests failed (full log: $log)" >&2
    exit 1
  fi
  go_tally "$log"
}

step "Go tests (against Cassandra at $CASSANDRA_HOSTS; engine, bin cache, server and rollups in the next step)"
# shellcheck disable=SC2086 # the package lists are words
go_test "$(mktemp)" go test -vet=off -count=1 -p 2 -v $other_pkgs

step "Go tests with the race detector: engine, bin cache, server, rollups (against Cassandra)"
if [ "$(go env CGO_ENABLED)" != 1 ]; then
  echo "go test -race needs cgo (CGO_ENABLED=1 and a C compiler)" >&2
  exit 1
fi
# shellcheck disable=SC2086
go_test "$(mktemp)" go test -vet=off -race -count=1 -p 2 -v $race_pkgs

step "Secure node: password authentication and client TLS (scripts/secure-test.sh)"
# Its own node on 127.0.2.1:9142, stopped again by the script, also on failure.
scripts/secure-test.sh

step "Fault test: node loss under load at ONE and QUORUM (scripts/fault-test.sh)"
# Its own 3-node cluster on 127.0.1.1..3, stopped again by the script, also on failure.
scripts/fault-test.sh

# The fuzz step is one fuzz worker (about one core) for two minutes of wall time whatever the
# machine does: it runs beside typecheck, lint and the two builds, which do not depend on speed
# either (the tests that wait on Cassandra, Jest and the browser run after it).
step "Go fuzz targets: two minutes of fuzzing, in the background beside typecheck, lint and the builds"
bg_start "Go fuzz targets (scripts/fuzz.sh)" scripts/fuzz.sh

step "Front end: typecheck and lint, at once (tsc and eslint use one core each)"
bg_start "typecheck (npm run typecheck)" npm run --silent typecheck
bg_start "lint (npm run lint)" npm run --silent lint
fe_status=0
bg_wait "typecheck (npm run typecheck)" || fe_status=1
bg_wait "lint (npm run lint)" || fe_status=1
[ "$fe_status" = 0 ]

step "Front end: build"
npm run --silent build

step "Backend build (mage)"
go run github.com/magefile/mage -v build:linux

step "Front end: Grafana API compatibility with grafanaDependency's lowest version (levitate)"
npm run --silent compat

step "Go fuzz targets: the background run's result"
bg_wait "Go fuzz targets (scripts/fuzz.sh)"

step "Front end: unit tests (Jest)"
jest_log=$(mktemp)
npm run --silent test:ci 2>&1 | tee "$jest_log"
jest_passed=$(sed -n 's/^Tests: *\([0-9][0-9]*\) passed.*/\1/p' "$jest_log" | tail -1)

step "Browser check: the editors in Chromium, answered by metrics-server and Cassandra"
# Debian's Chromium; no browser download (playwright's own installer cannot work here).
if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
browser_log=$(mktemp)
npm run --silent e2e:browser 2>&1 | tee "$browser_log"
browser_passed=$(sed -n 's/^browser check: *\([0-9][0-9]*\) passed.*/\1/p' "$browser_log" | tail -1)

step "Built plugin binary: health check over the plugin protocol"
go run ./cmd/plugin-check --binary dist/gpx_cassandra_linux_amd64 --hosts "$CASSANDRA_HOSTS"

step "All tests passed"
echo "Go $go_passed, Jest ${jest_passed:-?}, browser ${browser_passed:-?}"
summary="$((go_passed + ${jest_passed:-0} + ${browser_passed:-0})) passed, 0 failed"
