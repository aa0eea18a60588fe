#!/usr/bin/env bash
# Build the libFuzzer targets with clang 14 (ASan + UBSan) and run each for a
# bounded time. Usage: fuzz/run.sh [seconds per target, default 60] [target...]
# Crashes land in fuzz/crashes/<target>/; each one found becomes a regression
# test (tests/unit/*_test.cpp, named after the bug).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(request gemtext selector config import proxy)

need=()
command -v clang++-14 >/dev/null || need+=(clang-14)
dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null | grep -q "install ok installed" || need+=(libclang-rt-14-dev)
if [ "${#need[@]}" -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${need[@]}"
fi

out=build/fuzz
mkdir -p "$out"
flags=(-std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -Iinclude -DTOML_HEADER_ONLY=0 -DTOML_SHARED_LIB=1)
# The pure core, compiled once into an archive of instrumented objects.
if [ ! -f "$out/libcore.a" ] || [ -n "$(find src/core include -newer "$out/libcore.a" -print -quit)" ]; then
  rm -f "$out"/*.o "$out/libcore.a"
  for src in src/core/*.cpp; do
    clang++-14 "${flags[@]/-fsanitize=fuzzer,/-fsanitize=fuzzer-no-link,}" -c "$src" -o "$out/$(basename "$src" .cpp).o"
  done
  ar rcs "$out/libcore.a" "$out"/*.o
fi

# In CI the mutation sequence is fixed (-seed=1), so a failure there can be
# replayed locally with the same command; elsewhere each run explores anew.
seed=()
[ "${CI:-}" = true ] && seed=(-seed=1)

status=0
for t in "${targets[@]}"; do
  src="fuzz/fuzz_$t.cpp"
  [ -f "$src" ] || { echo "no target $t"; continue; }
  extra=()
  if [ "$t" = import ]; then
    extra=(src/import/*.cpp $(pkg-config --cflags --libs md4c gumbo libxml-2.0))
  fi
  clang++-14 "${flags[@]}" "$src" "${extra[@]}" "$out/libcore.a" -ltomlplusplus -o "$out/fuzz_$t"
  mkdir -p "fuzz/crashes/$t" "$out/corpus/$t"
  echo "== fuzz_$t: ${seconds}s"
  # New inputs go to build/fuzz/corpus (not committed); the seeds stay as they are.
  if ! "$out/fuzz_$t" "${seed[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="fuzz/crashes/$t/" "$out/corpus/$t" "fuzz/corpus/$t" 2>"$out/$t.log"; then
    echo "fuzz_$t FAILED: see $out/$t.log and fuzz/crashes/$t/"
    tail -30 "$out/$t.log"
    status=1
  fi
  grep -E "stat::number_of_executed_units|cov:|stat::peak_rss_mb" "$out/$t.log" | tail -3 || true
done
exit $status
