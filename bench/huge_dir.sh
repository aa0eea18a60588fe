#!/bin/bash
# A huge directory against everyone else (issue 15): one client fetches the
# generated listing of a directory of FILES files in a loop while a second
# client fetches the small home page; prints both `twinstar bench` lines.
# The home page client's p99 is the figure that matters.
#
# Usage: bench/huge_dir.sh [FILES] [SECONDS]       (defaults 100000, 5)
# env:   BIN=build/release/twinstar  PROTO=gemini|gopher  WORKERS=1
#        KIND=listing|feed (feed: the directory is a [[host.feed]] of FILES
#        dated articles instead of a plain directory)
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
FILES=${1:-100000}
SECONDS_EACH=${2:-5}
BIN=${BIN:-build/release/twinstar}
PROTO=${PROTO:-gemini}
WORKERS=${WORKERS:-1}
KIND=${KIND:-listing}

work=$(mktemp -d /tmp/twinstar-huge.XXXXXX)
cleanup() {
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

mkdir -p "$work/root/big"
printf '# Home\n\n=> big/ A big directory\n' >"$work/root/index.gmi"
# Tiny articles, each with its heading (a listing reads it for the label).
python3 - "$work/root/big" "$FILES" <<'EOF'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    with open(os.path.join(d, "2025-%02d-%02d-article-%06d.gmi" % (i % 12 + 1, i % 28 + 1, i)), "w") as f:
        f.write("# Article %d\n\nText.\n" % i)
EOF

feed=""
[ "$KIND" = feed ] && feed=$'\n[[host.feed]]\npath = "/big/"\ntitle = "Big"'
cat >"$work/bench.toml" <<EOF
[server]
listen = ["127.0.0.1:0"]
workers = $WORKERS
max_connections_per_ip = 0

[[host]]
name = "localhost"
root = "root"
$feed
EOF

start_twinstar "$BIN" "$work/bench.toml" "$work/root" "$work" --workers "$WORKERS"
if [ "$PROTO" = gopher ]; then
  big="gopher://localhost:$gopher_port/1/big/"
  small="gopher://localhost:$gopher_port/1/"
else
  big="gemini://localhost:$gemini_port/big/"
  small="gemini://localhost:$gemini_port/"
fi
echo "files=$FILES kind=$KIND proto=$PROTO workers=$WORKERS bin=$BIN"
"$BIN" bench "$big" -c 4 -d "$SECONDS_EACH" --insecure --timeout 60 | tail -n 1 | sed 's/^/big:   /' &
big_bench=$!
"$BIN" bench "$small" -c 4 -d "$SECONDS_EACH" --insecure --timeout 60 | tail -n 1 | sed 's/^/small: /'
wait "$big_bench"
