#!/usr/bin/env bash
# The main job on a fresh machine: build the plugin and metrics-server, start the local
# Cassandra, check the built plugin's health against it, load a day of demo data and 30 days of
# one application's timers, roll those up (metrics-server rollup), start metrics-server in the
# background and show URLs that answer with data.
#   METRICS_SERVER_PORT (default 8080) picks the port; `scripts/demo.sh stop` stops the server.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
port=${METRICS_SERVER_PORT:-8080}
pidfile="$root/.local/metrics-server.pid"
base="http://127.0.0.1:$port"

step() { printf '\n==> %s\n' "$*"; }

stop_server() {
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    kill "$(cat "$pidfile")" && echo "metrics-server stopped"
  fi
  rm -f "$pidfile"
}
if [ "${1:-}" = stop ]; then
  stop_server
  exit 0
fi

step "Go modules and front-end packages"
go mod download
npm ci --no-audit --no-fund --loglevel=error

step "Backend: mage build (dist/gpx_cassandra_linux_amd64)"
go run github.com/magefile/mage -v build:linux

step "Front end: npm run build (dist/module.js, dist/plugin.json)"
npm run --silent build

step "metrics-server (bin/metrics-server)"
go build -o bin/metrics-server ./cmd/metrics-server

step "Local Cassandra"
scripts/local-cassandra.sh start

step "Health check of the built plugin, started the way Grafana starts it"
go run ./cmd/plugin-check --binary dist/gpx_cassandra_linux_amd64 --hosts 127.0.0.1

step "Demo data: one day of timers and counters in keyspace metric_data"
METRICS_SERVER_CASSANDRA=127.0.0.1 bin/metrics-server demo-data --span 24h

step "30 days of prod/checkout's timers, for the dashboard's 30-day panel"
METRICS_SERVER_CASSANDRA=127.0.0.1 bin/metrics-server demo-data --span 720h --environments 1 --applications 1 \
  --tables raw_timer_with_interval --concurrency 6 # fewer writes at once into the 3 long partitions: a 1 GiB node keeps up

step "Rollups of those 30 days: 1m and 1h bins in keyspace metrics_rollups (metrics-server rollup)"
mkdir -p .local
cat >.local/rollup-demo.json <<'JSON'
{
  "rollup": {
    "backfill": "721h",
    "sources": [
      {
        "table": "metric_data.raw_timer_with_interval",
        "timeColumn": "metric_timestamp",
        "valueColumns": ["p99", "mean", "interval_count"]
      }
    ]
  }
}
JSON
METRICS_SERVER_CASSANDRA=127.0.0.1 bin/metrics-server rollup --config .local/rollup-demo.json --create-schema
METRICS_SERVER_CASSANDRA=127.0.0.1 bin/metrics-server rollup --config .local/rollup-demo.json --once

step "Starting metrics-server on $base"
stop_server
mkdir -p .local
METRICS_SERVER_CASSANDRA=127.0.0.1 METRICS_SERVER_PORT=$port \
  nohup bin/metrics-server >"$root/.local/metrics-server.log" 2>&1 &
echo $! >"$pidfile"
for _ in $(seq 1 50); do
  curl -fsS "$base/api/health" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "$base/api/health"
echo

show() {
  printf '\n$ %s\n' "$*"
  "$@" | head -c 600
  echo
}
show curl -s "$base/api/v1/environments/"
show curl -s "$base/api/v1/environments/prod/applications/checkout/metrics/raw_timer_with_interval/http.requests?columns=p99,interval_count&size=6"
printf '\n$ a 30-day query at 1000 points: its notices\n'
curl -s -X POST "$base/api/query" -H 'Content-Type: application/json' -d '{"from":"now-30d","to":"now","maxDataPoints":1000,"queries":[{"refId":"A","queryType":"builder","keyspace":"metric_data","table":"raw_timer_with_interval","timeColumn":"metric_timestamp","valueColumns":["p99"],"aggregations":["max"],"filters":[{"column":"environment","op":"=","values":["prod"]},{"column":"application","op":"=","values":["checkout"]},{"column":"metric_name","op":"=","values":["http.requests"]}]}]}' | grep -o '"text":"[^"]*"' || true
show curl -s -X POST "$base/api/query" -H 'Content-Type: application/json' -d '{"from":"now-1h","to":"now","maxDataPoints":4,"queries":[{"refId":"A","queryType":"builder","keyspace":"metric_data","table":"raw_timer_with_interval","timeColumn":"metric_timestamp","valueColumns":["p99","interval_count"],"filters":[{"column":"environment","op":"=","values":["prod"]},{"column":"application","op":"=","values":["checkout"]},{"column":"metric_name","op":"=","values":["http.requests"]}]}]}'

cat <<MSG

metrics-server is running in the background (pid $(cat "$pidfile"), log .local/metrics-server.log).
Stop it with: scripts/demo.sh stop
MSG
