#!/usr/bin/env bash
# Memory per idle TLS connection (issue 7 target: <= 8 KB) and whether
# 10,000 idle connections are held without failure.
#   bench/idle.sh [N=10000] [BIN=build/release/twinstar]
# Two rounds, each on a fresh server: connections that never send a byte (silent),
# then connections that completed the TLS handshake and idle (tls).
# Starts twinstar on loopback with the connection caps off and long
# timeouts, opens N TLS connections that send nothing (bench/idle_connections.py),
# and prints the server's RSS growth per connection.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
n="${1:-10000}"
bin="${2:-build/release/twinstar}"
ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -gt $((n + 100)) ] || { echo "open-file limit $(ulimit -n) too low for $n connections" >&2; exit 1; }
dir="$(mktemp -d)"
trap 'kill "$server_pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"' EXIT
bench_config twinstar.toml | sed -e 's/^max_connections *=.*/max_connections = 0/' \
  -e 's/^handshake_timeout *=.*/handshake_timeout = 600/' \
  -e 's/^request_timeout *=.*/request_timeout = 600/' >"$dir/idle.toml"
for mode in silent tls; do
  # A fresh server per round, so neither round reuses the other's memory.
  rm -rf "$dir/server.out" "$dir/certs"
  start_twinstar "$bin" "$dir/idle.toml" capsule "$dir"
  python3 bench/idle_connections.py "$gemini_port" "$server_pid" "$n" "$mode"
  exec 3<&-
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null || true
done
