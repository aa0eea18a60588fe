#!/bin/sh
# Reader-view quality of `twinstar import` on real pages with known-good
# extractions (tests/data/pages/NAME/: source.html, title.txt, expected.txt;
# sources and licences in tests/data/pages/README.md).
#
#   bench/reader_view.sh [build/release/twinstar]
#
# Per page: title right (exact, after whitespace normalisation), recall of
# the known-good words, boilerplate share of the body's text lines, time of
# one import run (process start included). Then medians and the title
# accuracy. Scoring rules: bench/reader_score.awk.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../build/release/twinstar}
pages=$here/../tests/data/pages
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

now_ms() { date +%s%N | awk '{ printf "%.0f", $1 / 1000000 }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

printf '%-22s %-5s %-7s %-11s %s\n' page title recall boilerplate ms
n=0
right=0
for dir in "$pages"/*/; do
  name=$(basename "$dir")
  [ -f "$dir/source.html" ] || continue
  n=$((n + 1))
  out="$tmp/$name"
  start=$(now_ms)
  if ! "$bin" import "$dir/source.html" --into "$out" --date 2000-01-01 >/dev/null 2>"$tmp/$name.err"; then
    echo "$name: import failed: $(cat "$tmp/$name.err")"
    continue
  fi
  ms=$(($(now_ms) - start))
  gmi=$(ls "$out"/*.gmi | head -n 1)
  got=$(head -n 1 "$gmi" | sed 's/^# //' | tr -s ' ')
  want=$(tr -s ' \n' '  ' <"$dir/title.txt" | sed 's/^ //; s/ $//')
  ok=no
  if [ "$got" = "$want" ]; then ok=yes; right=$((right + 1)); fi
  set -- $(awk -f "$here/reader_score.awk" "$dir/expected.txt" "$gmi")
  share=$(awk -v b="$2" -v t="$3" 'BEGIN { printf "%.3f", t ? b / t : 0 }')
  printf '%-22s %-5s %-7s %-11s %s\n' "$name" "$ok" "$1" "$share ($2/$3)" "$ms"
  echo "$1" >>"$tmp/recall"
  echo "$share" >>"$tmp/share"
  echo "$ms" >>"$tmp/ms"
done
echo
echo "pages: $n; title right: $right/$n; median recall: $(median <"$tmp/recall");" \
  "median boilerplate share: $(median <"$tmp/share"); median ms/page: $(median <"$tmp/ms")"
