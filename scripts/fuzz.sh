#!/usr/bin/env bash
# Runs every Go fuzz target of the project for a bounded time: FUZZ_SECONDS of fuzzing in all
# (default 120), split evenly between the targets, one worker each (the machine has two cores).
# Each package's fuzz-instrumented test binary is built once, before any clock starts; each target
# is then one run of that binary, whose -test.fuzztime bounds it from its start (the baseline
# coverage run over the corpus included). Prints the executions of each target and fails when a
# target finds an input that fails, leaving that input under the package's testdata/fuzz/ for
# `go test` to replay.
#
#   scripts/fuzz.sh            # two minutes of fuzzing over all targets
#   FUZZ_SECONDS=600 scripts/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=${GOTOOLCHAIN:-auto}

total=${FUZZ_SECONDS:-120}
# A run that has not stopped this long after its fuzz time is hung: it is interrupted (the fuzz
# coordinator then still writes a failing input it was minimizing), killed 10 s later, and fails.
hang_guard=${FUZZ_HANG_GUARD_SECONDS:-60}

# The packages with fuzz targets, and their targets, from one go list.
pkg_dirs=()
targets=()
while read -r pkg dir; do
  names=$(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u || true)
  [ -n "$names" ] || continue
  pkg_dirs+=("$pkg $dir")
  for name in $names; do
    targets+=("$pkg $dir $name")
  done
done < <(go list -f '{{.ImportPath}} {{.Dir}}' ./pkg/... ./cmd/...)
if [ ${#targets[@]} -eq 0 ]; then
  echo "no fuzz targets found" >&2
  exit 1
fi
per=$((total / ${#targets[@]}))
[ "$per" -ge 2 ] || per=2

bin_dir=$(mktemp -d)
trap 'rm -rf "$bin_dir"' EXIT
# A run in progress is stopped with the script (timeout passes the signal on to the binary).
fuzz_pid=""
on_signal() {
  if [ -n "$fuzz_pid" ]; then
    kill -s "$1" "$fuzz_pid" 2>/dev/null || true
    wait "$fuzz_pid" 2>/dev/null || true
  fi
  exit "$2"
}
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM
bin_of() { echo "$bin_dir/$(echo "${1#github.com/metricsserver/cassandra-datasource/}" | tr / _).test"; }

# One fuzz-instrumented test binary per package (-fuzz makes go test -c instrument it; the
# pattern only needs to be given, the binary's own -test.fuzz picks the target).
build_start=$SECONDS
for pd in "${pkg_dirs[@]}"; do
  read -r pkg _ <<<"$pd"
  go test -c -fuzz=. -o "$(bin_of "$pkg")" "$pkg"
done
echo "built ${#pkg_dirs[@]} fuzz test binaries in $((SECONDS - build_start))s; fuzzing ${#targets[@]} targets for ${per}s each"

# As go test -fuzz does: interesting inputs found before are kept in the build cache's fuzz dir.
fuzz_cache=$(go env GOCACHE)/fuzz

# Go 1.26's fuzz coordinator can end a run whose -fuzztime expires while a worker is busy with a
# bare "context deadline exceeded" and no failing input (go.dev/issue/75804, fixed in Go 1.27):
# more likely on a loaded machine. That ending is not a finding; a finding writes its input.
deadline_race() {
  ! grep -q 'Failing input written to' "$1" &&
    [ "$(grep -E -- '^\s+\S' "$1" | grep -v -E '^\s+(context deadline exceeded|To re-run:)' | grep -c -E '^\s+')" = 0 ] &&
    grep -q -E '^\s+context deadline exceeded$' "$1"
}

# $1 package, $2 its directory, $3 target, $4 log. Runs in the package's directory, as go test
# does, so that the seed corpus is read from and a failing input written to its testdata/fuzz/.
# Exit status 124: the hang guard stopped it.
fuzz_one() {
  local rc=0
  (cd "$2" && exec timeout -s INT -k 10 $((per + hang_guard)) "$(bin_of "$1")" \
    -test.run='^$' -test.fuzz="^$3\$" -test.fuzztime="${per}s" -test.parallel=1 \
    -test.fuzzcachedir="$fuzz_cache/$1" -test.paniconexit0) >"$4" 2>&1 &
  fuzz_pid=$!
  wait "$fuzz_pid" || rc=$?
  fuzz_pid=""
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    echo "fuzz.sh: $3 had not stopped ${hang_guard}s after its ${per}s fuzz time: stopped as hung" >>"$4"
    return 124
  fi
  return "$rc"
}

failed=0
summary=""
for t in "${targets[@]}"; do
  read -r pkg dir name <<<"$t"
  log=$(mktemp)
  t_start=$SECONDS
  rc=0
  fuzz_one "$pkg" "$dir" "$name" "$log" || rc=$?
  if [ "$rc" = 0 ]; then
    status=ok
  elif [ "$rc" != 124 ] && deadline_race "$log" && {
    rc=0
    fuzz_one "$pkg" "$dir" "$name" "$log" || rc=$?
    [ "$rc" = 0 ] || { [ "$rc" != 124 ] && deadline_race "$log"; }
  }; then
    # Tried again once: a second bare deadline ending is the same race, not a finding.
    status=ok
  else
    status=FAIL
    failed=1
    cat "$log" >&2
  fi
  execs=$(grep -o 'execs: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo 0)
  line=$(printf '%-6s %-44s %10s executions in %3ds' "$status" "${pkg#github.com/metricsserver/cassandra-datasource/}.${name}" "${execs:-0}" $((SECONDS - t_start)))
  echo "$line"
  summary+="$line"$'\n'
  rm -f "$log"
done
printf '\n%s' "$summary"
exit $failed
