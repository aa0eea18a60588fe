# Shared by the bench/ scripts (source it): start twinstar on loopback
# ephemeral ports and wait for its "listening" lines (never a sleep).
#
#   start_twinstar BIN CONFIG ROOT TMPDIR [extra serve flags...]
# sets server_pid, gemini_port, gopher_port; the server's stdout stays open on
# fd 3 (read further lines from it), stderr goes to TMPDIR/server.err.
# The access log is off unless TWINSTAR_ACCESS_LOG names a file.
start_twinstar() {
  local bin="$1" config="$2" root="$3" dir="$4"
  shift 4
  mkfifo "$dir/server.out"
  "$bin" serve --config "$config" --root "$root" --listen 127.0.0.1:0 --gopher-listen 127.0.0.1:0 \
    --access-log "${TWINSTAR_ACCESS_LOG:-off}" --cert-dir "$dir/certs" "$@" >"$dir/server.out" 2>"$dir/server.err" &
  server_pid=$!
  exec 3<"$dir/server.out"
  gemini_port=""
  gopher_port=""
  local line
  while [ -z "$gemini_port" ] || [ -z "$gopher_port" ]; do
    if ! IFS= read -r -t 30 line <&3; then
      echo "the server did not start:" >&2
      cat "$dir/server.err" >&2
      return 1
    fi
    case "$line" in
    "listening on gemini://127.0.0.1:"*) gemini_port="${line#listening on gemini://127.0.0.1:}" ;;
    "listening on gopher://127.0.0.1:"*) gopher_port="${line#listening on gopher://127.0.0.1:}" ;;
    esac
    gemini_port="${gemini_port%%/*}"
    gopher_port="${gopher_port%%/*}"
  done
}

# The bundled config without the per-address limits: every benchmark
# connection comes from 127.0.0.1.
bench_config() {
  sed -e 's/^max_connections_per_ip *=.*/max_connections_per_ip = 0/' \
    -e 's/^requests_per_second *=.*/requests_per_second = 0/' "$1"
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
fd_count() { ls "/proc/$1/fd" | wc -l; }
