# Scores one imported article against its known-good text (bench/reader_view.sh).
# Input: the known-good text (file 1), then the article's .gmi (file 2).
# Prints: "RECALL BOILERPLATE_LINES BODY_LINES".
# - recall: share of the known-good words (as a multiset, lower case,
#   letters and digits only) found in the article's body;
# - boilerplate: body text lines (link lines, the title, byline and footer
#   excluded) of which less than half of the words occur in the known-good
#   text.
function words(line, out,    n, i, parts, w) {
  line = tolower(line)
  gsub(/[^[:alnum:]]+/, " ", line)
  n = split(line, parts, " ")
  for (i = 1; i <= n; i++) if (parts[i] != "") out[++out[0]] = parts[i]
}
FNR == NR {
  delete w; w[0] = 0; words($0, w)
  for (i = 1; i <= w[0]; i++) { expected[w[i]]++; total++ }
  next
}
FNR == 1 { next }                                   # "# Title"
/^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]/ && !seen_byline { seen_byline = 1; next }
/^=>/ || /^```/ || /^$/ || /^Source: / { next }
{
  delete w; w[0] = 0; words($0, w)
  if (w[0] == 0) next
  body_lines++
  known = 0
  for (i = 1; i <= w[0]; i++) {
    if (w[i] in expected) known++
    if (remaining[w[i]] == "") remaining[w[i]] = expected[w[i]] + 0
    if (remaining[w[i]] > 0) { remaining[w[i]]--; found++ }
  }
  if (known * 2 < w[0]) boilerplate++
}
END { printf "%.3f %d %d\n", total ? found / total : 1, boilerplate, body_lines }
