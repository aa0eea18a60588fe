#!/usr/bin/env python3
"""Known-good text of a corpus page, from Mozilla Readability's extraction.

    bench/expected_text.py tests/data/pages/NAME [...]

Reads NAME/expected.html (the article as Readability extracted it) and
NAME/expected-metadata.json, and writes NAME/expected.txt (the article's
text, one paragraph, heading, list item, table cell or preformatted line per
line, whitespace normalised) and NAME/title.txt (the metadata's "title" without a " | SITE",
" - SITE", " – SITE", " — SITE", " · SITE" or " :: SITE" suffix naming its
"siteName").
Standard library only; used by bench/reader_view.sh's corpus
(tests/data/pages/README.md).
"""
import html.parser
import json
import pathlib
import re
import sys

# Elements that end a line of text (everything else is inline).
BLOCKS = {
    "address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "div", "dl", "dt",
    "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
    "ol", "p", "pre", "section", "summary", "table", "td", "th", "tr", "ul",
}
# Never text.
SKIPPED = {"script", "style", "svg", "noscript", "template", "math"}


class Paragraphs(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines = []
        self.current = []
        self.skipping = 0
        self.in_pre = 0

    def flush(self):
        text = "".join(self.current)
        self.current = []
        if self.in_pre:
            self.lines.extend(t.strip() for t in text.split("\n") if t.strip())
            return
        text = re.sub(r"\s+", " ", text).strip()
        if text:
            self.lines.append(text)

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED:
            self.skipping += 1
        elif tag in BLOCKS and not self.skipping:
            if tag == "br" and self.in_pre:
                self.current.append("\n")
                return
            self.flush()
            if tag == "pre":
                self.in_pre += 1

    def handle_startendtag(self, tag, attrs):
        if tag in BLOCKS and not self.skipping:
            if tag == "br" and self.in_pre:
                self.current.append("\n")
            else:
                self.flush()

    def handle_endtag(self, tag):
        if tag in SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in BLOCKS and not self.skipping:
            self.flush()
            if tag == "pre":
                self.in_pre = max(0, self.in_pre - 1)

    def handle_data(self, data):
        if not self.skipping:
            self.current.append(data)


def convert(page: pathlib.Path) -> None:
    parser = Paragraphs()
    parser.feed((page / "expected.html").read_text(encoding="utf-8"))
    parser.close()
    parser.flush()
    (page / "expected.txt").write_text("\n".join(parser.lines) + "\n", encoding="utf-8")
    metadata = json.loads((page / "expected-metadata.json").read_text(encoding="utf-8"))
    title = re.sub(r"\s+", " ", metadata.get("title") or "").strip()
    # Readability keeps the <title>'s site-name suffix; a reader does not.
    site = (metadata.get("siteName") or "").strip()
    for separator in (" | ", " - ", " \u2013 ", " \u2014 ", " \u00b7 ", " :: "):
        if site and title.endswith(separator + site):
            title = title[: -len(separator + site)]
            break
    (page / "title.txt").write_text(title + "\n", encoding="utf-8")


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    for name in argv[1:]:
        convert(pathlib.Path(name))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
