#!/usr/bin/env bash
# Side by side (issue 7): twinstar with 1 and 2 workers, molly-brown (Debian
# package) and bench/minimal_server.cpp (the least an OpenSSL 3.0 server can
# do), serving the same 2 KB index.gmi with the same EC P-256 certificate,
# driven by `twinstar bench` with full handshakes; then twinstar's Gopher
# menu beside the minimal server's plain-TCP mode sending the same bytes. Runs are interleaved
# (A B C D, A B C D, ...) and the table gives medians per server and case,
# with server CPU per request from /proc and ratios to the minimal server.
#
# Usage: bench/side_by_side.sh [ROUNDS=3] [SECONDS=5]
# Needs root for its own network namespace (molly-brown binds every
# interface); everything runs on that namespace's loopback. Prints Markdown,
# also written to $BENCH_OUT (default /tmp/twinstar-side-by-side.md).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${TWINSTAR_SIDE_BY_SIDE_NS:-}" ]; then
  exec unshare -n env TWINSTAR_SIDE_BY_SIDE_NS=1 "$0" "$@"
fi
ip link set lo up
. bench/lib.sh

rounds="${1:-3}"
duration="${2:-5}"
out="${BENCH_OUT:-/tmp/twinstar-side-by-side.md}"
bin=build/release/twinstar
minimal=build/release/minimal_server
[ -x "$bin" ] && [ -x "$minimal" ] || { echo "build first: scripts/setup.sh release" >&2; exit 1; }
command -v molly-brown >/dev/null || { echo "molly-brown missing: apt-get install molly-brown" >&2; exit 1; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/twinstar-sbs.XXXXXX")"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT

# --- one document, one certificate, for everyone ---------------------------------
root="$tmp/root"
mkdir -p "$root"
awk 'BEGIN {
  print "# A small capsule"; print ""
  for (i = 1; i <= 14; i++) printf "=> /news/item-%02d.gmi 2026-11-%02d A headline about the small web, number %d\n", i, i, i
  print ""; print "Plain text about the capsule, its news, and how to read it over Gemini and Gopher alike."
  for (i = 1; i <= 8; i++) print "* a list item that says a little more about item " i
}' >"$root/index.gmi"
ec_certificate "$tmp"
size="$(wc -c <"$root/index.gmi")"

# --- the servers ---------------------------------------------------------------------
names=() ports=() spids=()
add_server() { names+=("$1"); ports+=("$2"); spids+=("$3"); pids+=("$3"); }
gnames=() gports=() gpids=()  # the Gopher side: twinstar and a minimal plain-TCP server
add_gopher() { gnames+=("$1"); gports+=("$2"); gpids+=("$3"); }

start_minimal minimal "$tmp" "$tmp/cert.pem" "$tmp/key.pem" "$root/index.gmi" 0
add_server "minimal OpenSSL server" "$minimal_port" "$minimal_pid"

cat >"$tmp/molly.conf" <<EOF
Port = 1966
Hostname = "localhost"
CertPath = "$tmp/cert.pem"
KeyPath = "$tmp/key.pem"
DocBase = "$root/"
AccessLog = "$tmp/molly-access.log"
ErrorLog = "$tmp/molly-error.log"
EOF
molly-brown -c "$tmp/molly.conf" >"$tmp/molly.out" 2>&1 &
p=$!
for _ in $(seq 100); do  # molly-brown prints nothing when ready: poll its port
  "$bin" get -k --timeout 1 gemini://localhost:1966/ >/dev/null 2>&1 && break
  kill -0 "$p" 2>/dev/null || { cat "$tmp/molly.out" >&2; exit 1; }
done
add_server "molly-brown $(dpkg-query -W -f='${Version}' molly-brown 2>/dev/null)" 1966 "$p"

for workers in 1 2; do
  d="$tmp/twinstar$workers"
  mkdir -p "$d"
  bench_config twinstar.toml >"$d/twinstar.toml"
  # Same logging as molly-brown: one access-log line per request, to a file.
  TWINSTAR_ACCESS_LOG="$d/access.log" start_twinstar "$bin" "$d/twinstar.toml" "$root" "$d" \
    --cert "$tmp/cert.pem" --key "$tmp/key.pem" --workers "$workers"
  exec 3<&-
  add_server "twinstar, $workers worker$([ "$workers" = 1 ] || echo s)" "$gemini_port" "$server_pid"
  add_gopher "twinstar, $workers worker$([ "$workers" = 1 ] || echo s)" "$gopher_port" "$server_pid"
done

# The minimal plain-TCP server answers every selector with twinstar's root menu.
"$bin" get "gopher://localhost:${gports[0]}/" --connect "127.0.0.1:${gports[0]}" >"$tmp/menu.txt"
start_minimal plain "$tmp" --plain "$tmp/menu.txt" 0
pids+=("$minimal_pid")
gnames=("minimal plain-TCP server" "${gnames[@]}")
gports=("$minimal_port" "${gports[@]}")
gpids=("$minimal_pid" "${gpids[@]}")
menu_size="$(wc -c <"$tmp/menu.txt")"

# --- the runs ------------------------------------------------------------------------
# measure RESULT_FILE PORT PID URL CONCURRENCY [bench flags...]: one run, one
# line appended to RESULT_FILE: rps cpu_us p50 p99 errors.
measure() {
  local file="$1" port="$2" pid="$3" url="$4" conc="$5" line kv
  shift 5
  line="$("$bin" bench --connect "127.0.0.1:$port" --concurrency "$conc" --duration "$duration" \
    --server-pid "$pid" --timeout 30 "$@" "$url" | grep '^bench: ' || true)"
  local -A f=()
  for kv in ${line#bench: }; do f["${kv%%=*}"]="${kv#*=}"; done
  echo "${f[rps]:-0} ${f[server_cpu_us_per_req]:-0} ${f[p50_ms]:-0} ${f[p99_ms]:-0} ${f[errors]:-?}" >>"$file"
}
cases=("c16:16:" "c64:64:" "c16 resumed:16:--resume")
for ((r = 1; r <= rounds; r++)); do
  for c in "${cases[@]}"; do
    label="${c%%:*}"; rest="${c#*:}"; conc="${rest%%:*}"; flags="${rest#*:}"
    for i in "${!names[@]}"; do
      echo "side_by_side: round $r/$rounds, $label, ${names[$i]}" >&2
      measure "$tmp/result.$i.${label// /_}" "${ports[$i]}" "${spids[$i]}" "gemini://localhost:${ports[$i]}/" \
        "$conc" -k $flags
    done
  done
  for i in "${!gnames[@]}"; do
    echo "side_by_side: round $r/$rounds, Gopher menu, ${gnames[$i]}" >&2
    measure "$tmp/gopher.$i" "${gports[$i]}" "${gpids[$i]}" "gopher://localhost:${gports[$i]}/" 16
  done
done

# --- the table -----------------------------------------------------------------------
col() { awk -v k="$2" '{ print $k }' "$1" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
# row CASE SERVER RESULT_FILE BASE_CPU_US
row() {
  local cpu_us errors
  cpu_us="$(col "$3" 2)"
  errors="$(awk '{ s += $5 } END { print s }' "$3")"
  echo "| $1 | $2 | $(col "$3" 1) | $cpu_us | $(ratio "$cpu_us" "$4") | $(col "$3" 3) | $(col "$3" 4) | $errors |"
}
header() {
  echo "| case | server | req/s | server CPU µs/req | CPU vs minimal | p50 ms | p99 ms | errors |"
  echo "|---|---|--:|--:|--:|--:|--:|--:|"
}
cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
{
  echo "# twinstar side by side, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "${cpu:-unknown CPU} x $(nproc), $(uname -r), $(openssl version | cut -d' ' -f1-2); commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)."
  echo "Loopback in a private network namespace; ${size}-byte index.gmi; EC P-256 certificate; one connection per"
  echo "request, full TLS handshakes unless resumed; medians of $rounds interleaved ${duration}-second runs;"
  echo "server CPU per request from /proc/PID/stat; load generator: twinstar bench on the same 2 cores."
  echo
  header
  for c in "${cases[@]}"; do
    label="${c%%:*}"; key="${label// /_}"
    base="$(col "$tmp/result.0.$key" 2)"
    for i in "${!names[@]}"; do row "$label" "${names[$i]}" "$tmp/result.$i.$key" "$base"; done
  done
  echo
  echo "Gopher: the root menu (${menu_size} bytes, converted from the same index.gmi), concurrency 16, plain TCP."
  echo
  header
  base="$(col "$tmp/gopher.0" 2)"
  for i in "${!gnames[@]}"; do row "Gopher menu c16" "${gnames[$i]}" "$tmp/gopher.$i" "$base"; done
} | tee "$out"
echo "side_by_side: written to $out" >&2
