#!/usr/bin/env python3
"""Memory per idle TLS connection: open N connections to a Gemini server,
complete the TLS handshake on each, send nothing, and report the server's RSS
growth per connection (from /proc/PID/status). Loopback only.

Usage: bench/idle_connections.py PORT SERVER_PID [N=1000] [tls|silent]
tls (default): each connection completes its handshake, then idles.
silent: each connection is opened and sends nothing (no ClientHello).
The server's handshake/request timeouts must exceed the time this takes
(a few seconds); raise the open-file limit of both sides for large N.
"""
import socket
import ssl
import sys
import time


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def main():
    port, pid = int(sys.argv[1]), int(sys.argv[2])
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    mode = sys.argv[4] if len(sys.argv) > 4 else "tls"
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    before = rss_kb(pid)
    held = []
    start = time.monotonic()
    for _ in range(n):
        raw = socket.create_connection(("127.0.0.1", port), timeout=10)
        held.append(raw if mode == "silent" else ctx.wrap_socket(raw, server_hostname="localhost"))
    # The server has finished its side of every handshake once each client
    # has; read the RSS with all of them open and idle.
    during = rss_kb(pid)
    elapsed = time.monotonic() - start
    for s in held:
        s.close()
    per = (during - before) * 1024 / n
    print(f"idle: mode={mode} connections={n} rss_before_kb={before} rss_held_kb={during} "
          f"bytes_per_connection={per:.0f} open_seconds={elapsed:.1f}")


if __name__ == "__main__":
    main()
