#!/bin/sh
# Feed index benchmark.
#  1. build/release/feed_bench: time to build the index of N generated
#     articles (default 10,000), cached lookups, rescans, per-request core work.
#  2. twinstar serve over the same generated capsule, and `twinstar bench`
#     against the cached /news/ index and against static.gmi, a static file
#     holding the same bytes: requests/s of each.
# Usage: bench/feed_index.sh [ARTICLES]   (env: BUILD=build/release DURATION=10
#        CONCURRENCY=16 WORKERS=1)
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build/release}
ARTICLES=${1:-10000}
DURATION=${DURATION:-10}
CONCURRENCY=${CONCURRENCY:-16}
WORKERS=${WORKERS:-1}

for tool in "$BUILD/feed_bench" "$BUILD/twinstar"; do
  [ -x "$tool" ] || { echo "missing $tool: cmake --preset release && cmake --build --preset release" >&2; exit 1; }
done

echo "== feed_bench $ARTICLES"
"$BUILD/feed_bench" "$ARTICLES"

work=$(mktemp -d /tmp/twinstar-feed-index.XXXXXX)
server=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

"$BUILD/feed_bench" --capsule "$work/capsule" "$ARTICLES"
cat > "$work/bench.toml" <<EOF
[server]
listen = ["127.0.0.1:0"]
gopher_listen = ["127.0.0.1:0"]
cert_dir = "certs"
access_log = "off"
workers = $WORKERS

[[host]]
name = "localhost"
root = "capsule"
gopher_host = "localhost"

[[host.feed]]
path = "/news/"
title = "News"
EOF

"$BUILD/twinstar" serve --config "$work/bench.toml" --allow-root > "$work/serve.log" 2>&1 &
server=$!
port=
for _ in $(seq 1 100); do
  port=$(sed -n 's|^listening on gemini://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$work/serve.log" | head -n 1)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "server did not start:" >&2; cat "$work/serve.log" >&2; exit 1; }

gport=$(sed -n 's|^listening on gopher://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$work/serve.log" | head -n 1)
base="gemini://localhost:$port"
# The first request builds the index; the runs below measure the cached one.
"$BUILD/twinstar" get -k "$base/news/" > /dev/null
for path in /news/ /static.gmi /news/atom.xml; do
  echo "== twinstar bench -k -c $CONCURRENCY -d $DURATION --server-pid $server $base$path"
  "$BUILD/twinstar" bench -k -c "$CONCURRENCY" -d "$DURATION" --server-pid "$server" "$base$path"
done
# Gopher: the same index as a menu (converted per request) and the static copy as text.
for selector in /1/news/ /0/static.gmi; do
  echo "== twinstar bench -c $CONCURRENCY -d $DURATION --server-pid $server gopher://localhost:$gport$selector"
  "$BUILD/twinstar" bench -c "$CONCURRENCY" -d "$DURATION" --server-pid "$server" "gopher://localhost:$gport$selector"
done
