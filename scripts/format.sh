#!/usr/bin/env bash
# Format every C++ file under src include tests bench fuzz with the root
# .clang-format, in place.
# Usage: scripts/format.sh [--check]
#   --check: change nothing; list the files clang-format would change and exit
#            non-zero if there is any (clang-format --dry-run -Werror).
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-}"
case "$mode" in
  "" | --check) ;;
  *) echo "usage: scripts/format.sh [--check]" >&2; exit 2 ;;
esac
command -v clang-format >/dev/null || { echo "clang-format not found (scripts/setup.sh installs it)" >&2; exit 2; }

mapfile -d '' files < <(find src include tests bench fuzz -type f \
  \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' -o -name '*.cc' \) -print0 | sort -z)

if [ "$mode" != --check ]; then
  clang-format -i --style=file "${files[@]}"
  exit 0
fi
unformatted=()
for f in "${files[@]}"; do
  clang-format --dry-run -Werror --style=file "$f" >/dev/null 2>&1 || unformatted+=("$f")
done
if [ "${#unformatted[@]}" -gt 0 ]; then
  echo "not formatted with .clang-format (run scripts/format.sh):" >&2
  printf '  %s\n' "${unformatted[@]}" >&2
  exit 1
fi
echo "all ${#files[@]} C++ files formatted"
