#!/usr/bin/env bash
# Bulk transfer (issue 7 target: a 50 MB file at >= 1 GB/s on loopback with
# one client, bounded memory): twinstar beside bench/minimal_server.cpp,
# which holds the whole file in memory and sends it with one SSL_write (what
# OpenSSL alone can do, with no file reads). Same file, same EC P-256
# certificate, one client (`twinstar bench -c 1`), interleaved rounds;
# prints GB/s, server CPU per 50 MB and server peak RSS per round.
#   bench/bulk.sh [ROUNDS=3] [REQUESTS=10] [MB=50]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
rounds="${1:-3}"
requests="${2:-10}"
mb="${3:-50}"
bin=build/release/twinstar
minimal=build/release/minimal_server
[ -x "$bin" ] && [ -x "$minimal" ] || { echo "build first: scripts/setup.sh release" >&2; exit 1; }
tmp="$(mktemp -d "${TMPDIR:-/tmp}/twinstar-bulk.XXXXXX")"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/root"
head -c "$((mb * 1000 * 1000))" /dev/urandom >"$tmp/root/large.bin"
ec_certificate "$tmp"

bench_config twinstar.toml >"$tmp/twinstar.toml"
start_twinstar "$bin" "$tmp/twinstar.toml" "$tmp/root" "$tmp" --cert "$tmp/cert.pem" --key "$tmp/key.pem"
exec 3<&-
pids+=("$server_pid")
names=("twinstar") ports=("$gemini_port") spids=("$server_pid") paths=("/large.bin")

start_minimal minimal "$tmp" "$tmp/cert.pem" "$tmp/key.pem" "$tmp/root/large.bin" 0
pids+=("$minimal_pid")
names+=("minimal OpenSSL server") ports+=("$minimal_port") spids+=("$minimal_pid") paths+=("/")

echo "| round | server | GB/s | server CPU ms per ${mb} MB | server peak RSS MB | errors |"
echo "|--:|---|--:|--:|--:|--:|"
for ((r = 1; r <= rounds; r++)); do
  for i in "${!names[@]}"; do
    line="$("$bin" bench -k --connect "127.0.0.1:${ports[$i]}" -c 1 -n "$requests" --timeout 60 \
      --server-pid "${spids[$i]}" "gemini://localhost:${ports[$i]}${paths[$i]}" | grep '^bench: ' || true)"
    declare -A f=()
    for kv in ${line#bench: }; do f["${kv%%=*}"]="${kv#*=}"; done
    awk -v r="$r" -v n="${names[$i]}" -v b="${f[bytes_per_s]:-0}" -v c="${f[server_cpu_us_per_req]:-0}" \
      -v m="${f[server_peak_rss_kb]:-0}" -v e="${f[errors]:-?}" \
      'BEGIN { printf "| %d | %s | %.2f | %.1f | %.1f | %s |\n", r, n, b / 1e9, c / 1000, m / 1024, e }' |
      tee -a "$tmp/rows.$i"
    unset f
  done
done
for i in "${!names[@]}"; do
  gbs="$(awk -F' [|] ' '{ print $3 }' "$tmp/rows.$i" | median)"
  cpu="$(awk -F' [|] ' '{ print $4 }' "$tmp/rows.$i" | median)"
  echo "| median | ${names[$i]} | $gbs | $cpu | | |"
done
