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
  mkdir -p "$root/news"  # the bundled config's [[host.feed]] directory must exist
  "$bin" serve --config "$config" --root "$root" --listen 127.0.0.1:0 --gopher-listen 127.0.0.1:0 \
    --access-log "${TWINSTAR_ACCESS_LOG:-off}" --cert-dir "$dir/certs" --allow-root "$@" >"$dir/server.out" 2>"$dir/server.err" &
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

# ec_certificate DIR: a self-signed EC P-256 certificate for localhost,
# DIR/cert.pem and DIR/key.pem (what the side-by-side scripts give every server).
ec_certificate() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost -keyout "$1/key.pem" -out "$1/cert.pem" 2>/dev/null
}

# start_minimal NAME DIR ARGS...: bench/minimal_server ARGS (its last one the
# port, 0) in the background; waits for its "listening on" line and sets
# minimal_pid and minimal_port. Output goes to DIR/NAME.out (a FIFO) and DIR/NAME.err.
start_minimal() {
  local name="$1" dir="$2" line
  shift 2
  mkfifo "$dir/$name.out"
  build/release/minimal_server "$@" >"$dir/$name.out" 2>"$dir/$name.err" &
  minimal_pid=$!
  IFS= read -r -t 60 line <"$dir/$name.out" || { cat "$dir/$name.err" >&2; return 1; }
  line="${line#listening on *://127.0.0.1:}"
  minimal_port="${line%%/*}"
}

# median: of the numbers on stdin, one per line (0 when there are none).
median() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
