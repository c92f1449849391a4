#!/usr/bin/env bash
# The main job on a fresh machine: build the plugin (backend and front end), start the local
# Cassandra, and print the built plugin's own health check against it.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "Go modules and front-end packages"
go mod download
npm ci --no-audit --no-fund --loglevel=error

step "Backend: mage build (dist/gpx_cassandra_linux_amd64)"
go run github.com/magefile/mage -v build:linux

step "Front end: npm run build (dist/module.js, dist/plugin.json)"
npm run --silent build

step "Local Cassandra"
scripts/local-cassandra.sh start

step "Health check of the built plugin, started the way Grafana starts it"
go run ./cmd/plugin-check --binary dist/gpx_cassandra_linux_amd64 --hosts 127.0.0.1
