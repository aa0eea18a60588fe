#!/usr/bin/env bash
# Soak: sustained mixed load (Gemini home page, an article, Gopher menus) plus
# slow clients that open connections and send nothing or half a request, plus
# a SIGHUP reload every few seconds. Reports requests served, errors, and RSS
# and open descriptors at baseline, under load, and after the load stops
# (they must return to baseline).
#
# Usage: bench/soak.sh            (SOAK_SECONDS, default 180)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
seconds="${SOAK_SECONDS:-180}"
bin="${TWINSTAR_BIN:-build/release/twinstar}"
[ -x "$bin" ] || scripts/setup.sh release

tmp="$(mktemp -d "${TMPDIR:-/tmp}/twinstar-soak.XXXXXX")"
server_pid=""
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  exec 3<&- 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

bench_config twinstar.toml | sed -e 's/^request_timeout *=.*/request_timeout = 2/' \
  -e 's/^handshake_timeout *=.*/handshake_timeout = 2/' >"$tmp/twinstar.toml"
cp -R capsule "$tmp/capsule"
start_twinstar "$bin" "$tmp/twinstar.toml" "$tmp/capsule" "$tmp"
# Warm up once, then take the baseline.
"$bin" bench "gemini://localhost/" --connect "127.0.0.1:$gemini_port" --insecure -n 50 -c 4 >/dev/null
base_rss=$(rss_kb "$server_pid")
base_fd=$(fd_count "$server_pid")
echo "soak: ${seconds}s against pid $server_pid (gemini $gemini_port, gopher $gopher_port)"

run_bench() {  # NAME URL PORT CONCURRENCY
  "$bin" bench "$2" --connect "127.0.0.1:$3" --insecure --concurrency "$4" --duration "$seconds" \
    --timeout 30 >"$tmp/$1.out" 2>/dev/null &
  pids+=($!)
}
run_bench home "gemini://localhost/" "$gemini_port" 8
run_bench article "gemini://localhost/news/2025-09-02-putin-xi-wwii-legacy.gmi" "$gemini_port" 4
run_bench menu "gopher://localhost/1/news/" "$gopher_port" 4

# Slow clients: hold 20 connections that send nothing or half a request; the
# server must close each at its deadline, and they reconnect until the end.
slow_clients() {
  local port="$1" half="$2" end=$((SECONDS + seconds))
  while [ "$SECONDS" -lt "$end" ]; do
    if exec {fd}<>"/dev/tcp/127.0.0.1/$port"; then
      [ -n "$half" ] && printf '%s' "$half" >&"$fd" 2>/dev/null || true
      timeout 10 cat <&"$fd" >/dev/null 2>&1 || true   # returns when the server closes
      exec {fd}<&-
    fi
  done
}
for i in $(seq 10); do slow_clients "$gemini_port" "" & pids+=($!); done
for i in $(seq 5); do slow_clients "$gopher_port" "/news" & pids+=($!); done
for i in $(seq 5); do slow_clients "$gemini_port" $'\x16\x03\x01' & pids+=($!); done

peak_rss=0
peak_fd=0
reloads=0
end=$((SECONDS + seconds))
while [ "$SECONDS" -lt "$end" ]; do
  kill -HUP "$server_pid"
  reloads=$((reloads + 1))
  # Five seconds between reloads, sampling each second: `read -t` on an
  # unused descriptor is the wait, and server lines are consumed meanwhile.
  for s in 1 2 3 4 5; do
    IFS= read -r -t 1 _ <&3 || true
    r=$(rss_kb "$server_pid"); f=$(fd_count "$server_pid")
    [ "$r" -gt "$peak_rss" ] && peak_rss=$r
    [ "$f" -gt "$peak_fd" ] && peak_fd=$f
  done
done
for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
pids=()
# After the load: every connection closed, descriptors back to baseline.
for i in $(seq 30); do
  [ "$(fd_count "$server_pid")" -le "$base_fd" ] && break
  IFS= read -r -t 1 _ <&3 || true
done
# The server trims its heap when idle (every 10 s): give RSS that long.
for i in $(seq 15); do
  [ "$(rss_kb "$server_pid")" -le $((base_rss * 11 / 10)) ] && break
  IFS= read -r -t 1 _ <&3 || true
done
after_rss=$(rss_kb "$server_pid")
after_fd=$(fd_count "$server_pid")
alive=yes
kill -0 "$server_pid" 2>/dev/null || alive=no

echo
echo "| case | requests | req/s | errors | p99 ms |"
echo "|---|---|---|---|---|"
for c in home article menu; do
  line=$(grep '^bench: ' "$tmp/$c.out" | tail -n 1 || true)
  declare -A f=()
  for kv in ${line#bench: }; do f["${kv%%=*}"]="${kv#*=}"; done
  echo "| $c | ${f[requests]:-?} | ${f[rps]:-?} | ${f[errors]:-?} ${f[error_kinds]:+(${f[error_kinds]})} | ${f[p99_ms]:-?} |"
  unset f
done
echo
echo "reloads: $reloads; server alive at the end: $alive"
echo "RSS kB: baseline $base_rss, peak $peak_rss, after $after_rss"
echo "open descriptors: baseline $base_fd, peak $peak_fd, after $after_fd"
[ "$alive" = yes ] && [ "$after_fd" -le "$base_fd" ]
