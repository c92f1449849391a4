#!/usr/bin/env bash
# Password authentication and client TLS on a real node: starts the secure node
# (scripts/local-cassandra.sh --secure: 127.0.2.1:9142, PasswordAuthenticator, client TLS with
# client certificates required, fresh PEM certificates), runs the Go tests that need it
# (selected by CASSANDRA_SECURE_HOSTS, which this script always sets), and stops the node again,
# also on failure or interruption. The shared node on 127.0.0.1:9042 is not touched.
#
# Environment: LOCAL_CASSANDRA_HEAP (default 512m here), LOCAL_CASSANDRA_DIR, and the rest of
# scripts/local-cassandra.sh's variables.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
started=$SECONDS

export LOCAL_CASSANDRA_HEAP="${LOCAL_CASSANDRA_HEAP:-512m}"
state="$(realpath -m "${LOCAL_CASSANDRA_DIR:-$root/.local/cassandra}")"
node=(scripts/local-cassandra.sh --cluster secure)

# The tests: the plugin's and metrics-server's on the secure node, and the TLS advice they rely on.
packages=(./pkg/plugin/ ./cmd/metrics-server/ ./pkg/cassandra/)
tests='^(TestSecure.*|TestSecretsNeverLeak.*|TestTLSFailuresGetTheirOwnAdvice)$'

cleanup() {
  local status=$?
  echo "==> secure-test: stopping the secure node"
  "${node[@]}" stop || true
  echo "secure-test: $([ "$status" = 0 ] && echo passed || echo FAILED) in $((SECONDS - started)) s"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A node left running by an interrupted run keeps its old certificates: start afresh, so the
# certificates are made for this run.
"${node[@]}" stop >/dev/null 2>&1 || true
echo "==> secure-test: starting the secure node (heap $LOCAL_CASSANDRA_HEAP)"
"${node[@]}" start

export CASSANDRA_SECURE_HOSTS=127.0.2.1:9142
export CASSANDRA_SECURE_CERTS="$state/secure/certs"
echo "==> secure-test: Go tests against $CASSANDRA_SECURE_HOSTS"
log=$(mktemp)
if ! go test -count=1 -p 1 -v -run "$tests" "${packages[@]}" >"$log" 2>&1; then
  grep -E -- '^(--- FAIL|FAIL|panic:|\s+\S+_test\.go:[0-9]+:)' "$log" | head -60 >&2 || true
  tail -30 "$log" >&2
  echo "secure-test: Go tests failed (full log: $log)" >&2
  exit 1
fi
grep -E '^(ok|FAIL) ' "$log"
passed=$(grep -c -- '^--- PASS' "$log" || true)
if grep -q -- '--- SKIP' "$log"; then
  grep -B2 -A3 -- '--- SKIP' "$log" >&2
  echo "secure-test: tests were skipped although CASSANDRA_SECURE_HOSTS is set" >&2
  exit 1
fi
if [ "$passed" -lt 6 ]; then
  echo "secure-test: only $passed tests ran; expected the secure node's tests in ${packages[*]}" >&2
  exit 1
fi
echo "secure-test: $passed top-level tests passed, none skipped"
