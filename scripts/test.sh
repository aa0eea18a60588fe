#!/usr/bin/env bash
# Install what is missing, build the tests, and run every one through CTest.
# Usage: scripts/test.sh [preset]   (release (default), debug, asan)
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
TWINSTAR_TEST_CLIENTS=1 scripts/setup.sh "$preset"
ctest --preset "$preset" -j 2
