#!/bin/bash
# A CGI hello-world beside a static file of the same bytes (issue 14): both
# through `twinstar bench` against one server on loopback, in interleaved
# rounds; prints each round's machine-readable line and the medians.
#
# Usage: bench/cgi.sh [ROUNDS] [SECONDS] [CONCURRENCY]     (defaults 3, 3, 16)
# env:   BIN=build/release/twinstar
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
ROUNDS=${1:-3}
SECONDS_EACH=${2:-3}
CONCURRENCY=${3:-16}
BIN=${BIN:-build/release/twinstar}

work=$(mktemp -d /tmp/twinstar-cgi.XXXXXX)
cleanup() {
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

mkdir -p "$work/root/cgi-bin"
# The smallest honest CGI program: /bin/sh (dash) printing a header and a line.
cat >"$work/root/cgi-bin/hello" <<'SCRIPT'
#!/bin/sh
printf '20 text/gemini\r\n# Hello, world\n'
SCRIPT
chmod 755 "$work/root/cgi-bin/hello"
printf '# Hello, world\n' >"$work/root/hello.gmi"

cat >"$work/bench.toml" <<CONFIG
[server]
listen = ["127.0.0.1:0"]
max_connections_per_ip = 0
# Never the bottleneck here: c clients keep at most c scripts running.
max_cgi = $CONCURRENCY

[server.rate_limit]
requests_per_second = 0

[[host]]
name = "localhost"
root = "root"

[[host.cgi]]
path = "/cgi-bin/"
timeout = 10
CONFIG

start_twinstar "$BIN" "$work/bench.toml" "$work/root" "$work"
echo "rounds=$ROUNDS seconds=$SECONDS_EACH concurrency=$CONCURRENCY bin=$BIN"
for round in $(seq "$ROUNDS"); do
  for kind in static cgi; do
    url="gemini://localhost:$gemini_port/hello.gmi"
    [ "$kind" = cgi ] && url="gemini://localhost:$gemini_port/cgi-bin/hello"
    line=$("$BIN" bench "$url" -c "$CONCURRENCY" -d "$SECONDS_EACH" --insecure --server-pid "$server_pid" | tail -n 1)
    echo "$kind round $round: $line"
    echo "$line" >>"$work/$kind.lines"
  done
done
field() { grep -o " $1=[0-9.]*" | cut -d= -f2 | median; }
for kind in static cgi; do
  printf '%-6s median: rps=%s server_cpu_us_per_req=%s p50_ms=%s p99_ms=%s\n' "$kind" \
    "$(field rps <"$work/$kind.lines")" "$(field server_cpu_us_per_req <"$work/$kind.lines")" \
    "$(field p50_ms <"$work/$kind.lines")" "$(field p99_ms <"$work/$kind.lines")"
done
# Every script reaped: the server has no children left, zombies included.
echo "server children after the runs: $(cat /proc/"$server_pid"/task/*/children | wc -w)"
