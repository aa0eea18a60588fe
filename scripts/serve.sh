#!/usr/bin/env bash
# Quick start: install what is missing, build (Release), and serve the bundled
# capsule per twinstar.toml: Gemini on 1965, Gopher on 7070. A self-signed
# certificate is generated into certs/ on first run and reused afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh release
exec build/release/twinstar serve --config twinstar.toml "$@"
