#!/usr/bin/env bash
# The standard benchmark set: serves a temporary copy of the bundled capsule
# (plus a generated 100 KB article and a 50 MB file) on loopback ephemeral
# ports, runs `twinstar bench` against it case by case with --server-pid, and
# prints a Markdown table, also written to $BENCH_OUT.
#
# Usage: bench/standard.sh
# Environment:
#   BENCH_DURATION        seconds per case (default 5)
#   BENCH_LARGE_REQUESTS  requests for the 50 MB file (default 5)
#   BENCH_OUT             Markdown output (default /tmp/twinstar-bench.md)
# Builds build/release/twinstar with scripts/setup.sh when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

duration="${BENCH_DURATION:-5}"
large_requests="${BENCH_LARGE_REQUESTS:-5}"
out="${BENCH_OUT:-/tmp/twinstar-bench.md}"
bin=build/release/twinstar
[ -x "$bin" ] || scripts/setup.sh release

tmp="$(mktemp -d "${TMPDIR:-/tmp}/twinstar-bench.XXXXXX")"
server_pid=""
bench_pid=""
cleanup() {
  # Background jobs ignore SIGINT in a script, so both are stopped here.
  if [ -n "$bench_pid" ]; then
    kill -TERM "$bench_pid" 2>/dev/null || true
    wait "$bench_pid" 2>/dev/null || true
  fi
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  exec 3<&- 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# --- the capsule: a copy of capsule/ plus the large files ---------------------
capsule="$tmp/capsule"
cp -R capsule "$capsule"
mkdir -p "$capsule/bench"
# About 100 KB of deterministic gemtext: headings, paragraphs, lists, links.
awk 'BEGIN {
  n = split("gemini gopher capsule server request response certificate client " \
            "selector menu header status body text line link heading quote " \
            "small protocol simple transport privacy plain", w, " ")
  srand(1965)
  print "# A long article"; size = 17
  for (s = 1; size < 102400; s++) {
    line = "## Section " s; print line; size += length(line) + 1
    for (p = 0; p < 3; p++) {
      line = ""
      for (i = 0; i < 60; i++) line = line (i ? " " : "") w[int(rand() * n) + 1]
      line = line "."; print line; print ""; size += length(line) + 2
    }
    line = "* item " s " of a list"; print line; size += length(line) + 1
    line = "=> /news/ More in the news (" s ")"; print line; size += length(line) + 1
  }
}' >"$capsule/bench/article.gmi"
head -c $((50 * 1024 * 1024)) /dev/urandom >"$capsule/bench/large.bin"

# --- the server: wait for both "listening" lines, never sleep -------------------
# The bundled config, except the per-address caps: every connection comes from
# 127.0.0.1 here, and at concurrency 64 the default cap of 32 would turn the
# benchmark into a test of the cap. Relative paths in the copy resolve in $tmp.
bench_config twinstar.toml >"$tmp/twinstar.toml"
start_twinstar "$bin" "$tmp/twinstar.toml" "$capsule" "$tmp" || exit 1

# --- the cases ------------------------------------------------------------------
load="$(cut -d' ' -f1-3 /proc/loadavg)"
fmt() { awk -v x="$1" -v d="$2" -v s="$3" 'BEGIN { printf "%.*f", s, x / d }'; }
rows=""
# run_case NAME CONCURRENCY URL PORT [bench flags...]
run_case() {
  local name="$1" concurrency="$2" url="$3" port="$4"
  shift 4
  echo "standard.sh: $name at concurrency $concurrency" >&2
  "$bin" bench "$url" --connect "127.0.0.1:$port" --concurrency "$concurrency" \
    --server-pid "$server_pid" --timeout 60 "$@" >"$tmp/case.out" &
  bench_pid=$!
  local rc=0
  wait "$bench_pid" || rc=$?
  bench_pid=""
  local line
  line="$(grep '^bench: ' "$tmp/case.out" | tail -n 1 || true)"
  if [ -z "$line" ]; then
    echo "standard.sh: bench exited $rc without a result for $name" >&2
    rows+="| $name | $concurrency | failed (exit $rc) | | | | | | | | | |"$'\n'
    return
  fi
  local -A f=()
  local kv
  for kv in ${line#bench: }; do f["${kv%%=*}"]="${kv#*=}"; done
  local errors="${f[errors]}"
  [ "${f[error_kinds]}" = "-" ] || errors+=" (${f[error_kinds]})"
  local rss="-"
  [ "${f[server_peak_rss_kb]}" = "-" ] || rss="$(fmt "${f[server_peak_rss_kb]}" 1024 1) MiB"
  rows+="| $name | $concurrency | ${f[rps]} | ${f[p50_ms]} | ${f[p90_ms]} | ${f[p99_ms]} | ${f[max_ms]}"
  rows+=" | $(fmt "${f[bytes_per_s]}" 1000000 1) | ${f[server_cpu_us_per_req]} | ${f[client_cpu_us_per_req]}"
  rows+=" | $rss | $errors |"$'\n'
}

gemini="gemini://localhost:$gemini_port"
timed=(--duration "$duration")
run_case "home page" 1 "$gemini/" "$gemini_port" "${timed[@]}"
run_case "home page" 16 "$gemini/" "$gemini_port" "${timed[@]}"
run_case "home page" 64 "$gemini/" "$gemini_port" "${timed[@]}"
run_case "home page, resumed TLS" 16 "$gemini/" "$gemini_port" "${timed[@]}" --resume
run_case "100 KB article" 16 "$gemini/bench/article.gmi" "$gemini_port" "${timed[@]}"
run_case "50 MB file" 1 "$gemini/bench/large.bin" "$gemini_port" --requests "$large_requests"
run_case "Gopher menu" 16 "gopher://localhost:$gopher_port/" "$gopher_port" "${timed[@]}"

# --- the report -----------------------------------------------------------------
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
git diff --quiet HEAD 2>/dev/null || commit+=" (modified)"
cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
{
  echo "# twinstar standard benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Commit $commit; ${cpu:-unknown CPU} x $(nproc); server and load generator on the same machine."
  echo "Each case ${duration} s (the 50 MB file: $large_requests requests); full TLS handshakes unless"
  echo "resumed; one connection per request. Latencies in ms; MB = 10^6 bytes; CPU per request"
  echo "from /proc/PID/stat (server) and getrusage (client); peak RSS reset before each case."
  echo "Server: twinstar.toml (workers = $(awk -F' *= *' '/^workers/ { print $2; exit }' "$tmp/twinstar.toml")), per-address caps off; load average before: $load."
  echo
  echo "| case | concurrency | req/s | p50 | p90 | p99 | max ms | MB/s | server CPU µs/req | client CPU µs/req | server peak RSS | errors |"
  echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|"
  printf '%s' "$rows"
} | tee "$out"
echo "standard.sh: written to $out" >&2
