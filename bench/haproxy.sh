#!/usr/bin/env bash
# One request through HAProxy (deploy/haproxy/haproxy.cfg as shipped, TCP
# mode, PROXY v2) against the same request sent straight to twinstar: one
# twinstar (the bundled capsule, one worker) listens both plainly and for
# PROXY v2; both HAProxy backends point at its PROXY listeners. Gemini (full
# handshakes) and Gopher (the menu), one connection at a time (-c 1) and
# at 16, interleaved rounds, medians of `twinstar bench`'s figures.
# Usage: bench/haproxy.sh [seconds per case, default 3] [rounds, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
seconds="${1:-3}"
rounds="${2:-3}"
bin=build/release/twinstar
command -v haproxy >/dev/null || { echo "bench/haproxy.sh needs haproxy (apt-get install haproxy)" >&2; exit 1; }
[ -x "$bin" ] || { echo "build first: cmake --build --preset release" >&2; exit 1; }

dir="$(mktemp -d)"
cleanup() {
  [ -n "${haproxy_pid:-}" ] && kill "$haproxy_pid" 2>/dev/null && wait "$haproxy_pid" 2>/dev/null
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

cp -r capsule "$dir/root"
mkdir -p "$dir/root/news"
bench_config twinstar.toml |
  sed -e 's|^listen *=.*|listen = ["127.0.0.1:0", { address = "127.0.0.1:0", proxy_protocol = "v2" }]|' \
    -e 's|^gopher_listen *=.*|gopher_listen = ["127.0.0.1:0", { address = "127.0.0.1:0", proxy_protocol = "v2" }]|' \
    >"$dir/twinstar.toml"
mkfifo "$dir/server.out"
"$bin" serve --config "$dir/twinstar.toml" --root "$dir/root" --access-log off --cert-dir "$dir/certs" \
  --allow-root >"$dir/server.out" 2>"$dir/server.err" &
server_pid=$!
exec 3<"$dir/server.out"
# Listeners in config order: Gemini plain, Gemini PROXY, Gopher plain, Gopher PROXY.
ports=()
while [ "${#ports[@]}" -lt 4 ]; do
  IFS= read -r -t 30 line <&3 || { cat "$dir/server.err" >&2; exit 1; }
  case "$line" in "listening on "*) p="${line#*127.0.0.1:}"; ports+=("${p%%/*}") ;; esac
done
gemini_direct="${ports[0]}" gemini_proxied="${ports[1]}" gopher_direct="${ports[2]}" gopher_proxied="${ports[3]}"

read -r front_gemini front_gopher < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))')
mkfifo "$dir/haproxy.err"
env GEMINI_BIND="127.0.0.1:$front_gemini" GOPHER_BIND="127.0.0.1:$front_gopher" \
  TWINSTAR_A_GEMINI="127.0.0.1:$gemini_proxied" TWINSTAR_B_GEMINI="127.0.0.1:$gemini_proxied" \
  TWINSTAR_A_GOPHER="127.0.0.1:$gopher_proxied" TWINSTAR_B_GOPHER="127.0.0.1:$gopher_proxied" \
  haproxy -W -db -f deploy/haproxy/haproxy.cfg 2>"$dir/haproxy.err" &
haproxy_pid=$!
exec 4<"$dir/haproxy.err"
# Ready once the master has forked its worker (the listeners are bound before).
until IFS= read -r -t 30 line <&4 && [[ "$line" == *"Loading success"* ]]; do
  [ -n "$line" ] || { echo "haproxy did not start" >&2; exit 1; }
  echo "$line" >&2
done
cat <&4 >/dev/null &  # keep its stderr drained

# run NAME URL PORT CONCURRENCY: one bench run, its machine-readable line to $dir/NAME.
run() {
  "$bin" bench "$2" --connect "127.0.0.1:$3" -k -c "$4" -d "$seconds" --server-pid "$server_pid" |
    tail -1 >>"$dir/$1"
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR ? a[int((NR+1)/2)] : "-")}'; }

cases=("gemini c1" "gemini c16" "gopher c1" "gopher c16")
for _ in $(seq "$rounds"); do
  for c in "${cases[@]}"; do
    proto="${c% *}" conc="${c#*c}"
    if [ "$proto" = gemini ]; then
      run "$proto-$conc-direct" "gemini://localhost/" "$gemini_direct" "$conc"
      run "$proto-$conc-haproxy" "gemini://localhost/" "$front_gemini" "$conc"
    else
      run "$proto-$conc-direct" "gopher://localhost/1/" "$gopher_direct" "$conc"
      run "$proto-$conc-haproxy" "gopher://localhost/1/" "$front_gopher" "$conc"
    fi
  done
done

echo "| case | path | req/s | twinstar CPU µs/req | p50 ms | p99 ms |"
echo "|---|---|--:|--:|--:|--:|"
for c in "${cases[@]}"; do
  proto="${c% *}" conc="${c#*c}"
  for path in direct haproxy; do
    f="$dir/$proto-$conc-$path"
    printf '| %s c%s | %s | %s | %s | %s | %s |\n' "$proto" "$conc" "$path" \
      "$(field rps <"$f" | median)" "$(field server_cpu_us_per_req <"$f" | median)" \
      "$(field p50_ms <"$f" | median)" "$(field p99_ms <"$f" | median)"
  done
done
