#!/usr/bin/env bash
# Quick start: install what is missing, build (Release), and serve the bundled
# capsule per twinstar.toml: Gemini on 1965, Gopher on 7070. A self-signed
# certificate is generated into certs/ on first run and reused afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh release
# twinstar refuses to serve as root without [server] user; this quick start
# listens on loopback only, so as root it opts in (a service drops to a user
# instead: README, "Operating").
[ "$(id -u)" -ne 0 ] || set -- --allow-root "$@"
exec build/release/twinstar serve --config twinstar.toml "$@"
