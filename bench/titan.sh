#!/usr/bin/env bash
# Titan upload benchmark: twinstar serve with a [[host.titan]] rule on
# /news/ (the bundled config plus that table), then N sequential uploads of
# a SIZE-byte article with `twinstar put` (one process, one TLS connection
# with a client certificate, one fsync'd temp file + rename each), every
# one a new article in the feed. Prints uploads/s and the median and p99
# latency of one `twinstar put` (process start included) and the server's
# own time per upload (its access log), then checks that
# the news index lists them all.
# Usage: bench/titan.sh [N] [SIZE]   (env: BUILD=build/release)
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
BUILD=${BUILD:-build/release}
N=${1:-200}
SIZE=${2:-4096}
[ -x "$BUILD/twinstar" ] || { echo "missing $BUILD/twinstar: cmake --build --preset release" >&2; exit 1; }

work=$(mktemp -d /tmp/twinstar-titan-bench.XXXXXX)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

mkdir -p "$work/client" "$work/capsule/news"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=editor \
  -keyout "$work/client/key.pem" -out "$work/client/cert.pem" 2>/dev/null
print=$(openssl x509 -in "$work/client/cert.pem" -noout -fingerprint -sha256 | sed 's/.*=//')
bench_config twinstar.toml > "$work/bench.toml"
cat >> "$work/bench.toml" <<TOML
[[host.titan]]
prefix = "/news/"
allowed_fingerprints = ["$print"]
TOML
echo "# Hello" > "$work/capsule/index.gmi"
TWINSTAR_ACCESS_LOG="$work/access.log" start_twinstar "$BUILD/twinstar" "$work/bench.toml" "$work/capsule" "$work"

# A SIZE-byte gemtext article: a heading, then lines of text.
{
  echo "# A benchmark article"
  echo
  while :; do echo "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod."; done
} | head -c "$SIZE" > "$work/article.gmi"

: > "$work/latencies"
started=$(date +%s%N)
i=1
while [ "$i" -le "$N" ]; do
  t0=$(date +%s%N)
  "$BUILD/twinstar" put --insecure --cert "$work/client/cert.pem" --key "$work/client/key.pem" \
    --connect "127.0.0.1:$gemini_port" "$work/article.gmi" \
    "titan://localhost/news/2026-12-05-bench-$i.gmi" > /dev/null
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000 )) >> "$work/latencies"
  i=$((i + 1))
done
ended=$(date +%s%N)

listed=$("$BUILD/twinstar" get --insecure --connect "127.0.0.1:$gemini_port" gemini://localhost/news/ |
  grep -c 'bench-' || true)
awk -v n="$N" -v ns=$((ended - started)) 'BEGIN { printf "uploads: %d of %s bytes in %.2f s: %.0f uploads/s\n", n, "'"$SIZE"'", ns / 1e9, n / (ns / 1e9) }'
printf 'latency per twinstar put: median %s us, p99 %s us\n' "$(median < "$work/latencies")" \
  "$(sort -n "$work/latencies" | awk -v n="$N" 'NR == int(n * 0.99 + 0.5) { print }')"
# Server side: from the access log, accept -> answer sent (TLS handshake,
# body read, fsync, rename, caches cleared), for the 30s.
printf 'server time per upload (access log): median %s us\n' \
  "$(awk '$6 == 30 { d = $NF; sub(/us$/, "", d); print d }' "$work/access.log" | median)"
echo "news index lists $listed of $N uploaded articles"
[ "$listed" -eq "$N" ]
