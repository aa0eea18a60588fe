#!/usr/bin/env bash
# Install whatever Debian packages are missing, then configure and build.
# Usage: scripts/setup.sh [preset]   (preset: release (default), debug, asan)
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"

# Build dependencies (Debian 12 package names) and the real clients the tests use.
packages=(g++ cmake make libssl-dev libasio-dev libtomlplusplus-dev doctest-dev libcli11-dev)
# The news importer and feed mirror (twinstar import / mirror).
packages+=(pkg-config libmd4c-dev libgumbo-dev libxml2-dev libcurl4-openssl-dev)
# Running as a service: sd_notify (libsystemd), man pages (scdoc).
packages+=(libsystemd-dev scdoc)
# scripts/format.sh (and its --check in CI) applies the root .clang-format.
packages+=(clang-format)
if [ "${TWINSTAR_TEST_CLIENTS:-0}" = 1 ]; then
  packages+=(curl lynx amfora tmux)
  # The HAProxy test runs deploy/haproxy/haproxy.cfg in front of two instances.
  packages+=(haproxy)
  # The install test: groff checks the man pages; systemd-analyze verify and
  # systemd-sysusers come with systemd, installed here only under CI (a
  # developer's machine without it skips those checks, visibly).
  packages+=(groff-base)
  [ "${CI:-}" != true ] || packages+=(systemd)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing missing packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"
