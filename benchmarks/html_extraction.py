"""Which library should turn an HTML page into qa's text: main prose kept, page furniture dropped, verbatim.

    python benchmarks/html_extraction.py [--runs 5] [--misses]

In a venv with trafilatura readability-lxml goose3 boilerpy3 html2text (one missing is skipped with a note). Pages:
the HTML of tests/data/docs and real pages from Debian's and the Rust toolchain's docs, with their furniture.
- kept / leaked: share of the hand-written must-keep (prose, list items, code, quotes as written) / must-drop (nav,
  sidebar, footer, cookie banner, comments) snippets in the output, whitespace collapsed.
- para blank / nl: paragraph ends followed by a blank line (qa's paragraphs are runs of non-blank lines) / a break.
- verbatim: output lines (less a list marker) found in the page's own text; markdown, escapes, re-quoting or
  dropped inline code fail. ms/page: median of --runs extractions, mean over pages.
- Per library: titles right (the title word in it), authors and dates given; import time (fresh interpreter,
  median of 5); MiB installed with all it requires.
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import os
import re
import statistics
import subprocess
import sys
import timeit
from functools import partial
from html.parser import HTMLParser
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RUST = Path.home() / ".rustup/toolchains/stable-x86_64-unknown-linux-gnu/share/doc/rust/html"
MDBOOK = "drop: Keyboard shortcuts | to navigate between chapters | to search in the book"
# "== path ~ a word of its title", then must-keep and must-drop snippets, and paragraph ends ("end >> next start").
PAGES = f"""
== tests/data/docs/dev-rust-ownership.html ~ Ownership
keep: the way they use a computer’s memory while running. | Think of a stack of plates | only be one owner at a time.
keep: s.push_str(", world!"); // push_str() appends a literal | a value without transferring ownership: references.
{MDBOOK} | The Rust Programming Language
ends: slow down your program while it’s running. >> Because ownership | Keep at it! >> When you understand ownership
== tests/data/docs/test-debian-users-groups.html ~ Users and Groups
keep: package contains the master versions of | They comprise only "global static" ids | nobody, nogroup
keep: Root is (typically) the superuser. | CUPS (Common Un*x Printing System) runs as this user.
drop: Table of Contents | WITHOUT ANY WARRANTY | Fifth Floor, Boston | 2001-2022 Colin Watson
ends: for further details. >> The Debian Policy Manual | these master files. >> This is a work in progress.
== /usr/share/doc/python3/python-policy.html ~ Python Policy
keep: This document describes the packaging of Python | Debian has previously supported two Python stacks
keep: interpreter directive, or “shebang”, as the first line | Have a long and heated discussion. | Propose changes to
drop: Debian Python Policy 0.12.0.0 documentation | Created using | Table of Contents | Copyright 1999-2023, Software
ends: for the Bullseye release. >> states that no more major Python 2 releases
ends: if the packaging scripts use Python. >> Starting with the Debian 11 release
== /usr/share/doc/nodejs/api/url.html ~ URL
keep: A URL string is a structured string | Gets and sets the fragment portion of the URL. | The WHATWG algorithm
keep: uses a more selective and fine grained approach | const myURL = new URL('https://%CF%80.example.com/foo');
drop: Skip to content | Asynchronous context tracking | Code repository and issue tracker | View on single page
drop: Other versions
ends: for each of these components. >> module provides two APIs | used by the Legacy API. >> The WHATWG algorithm
== /usr/share/doc/zlib1g-dev/examples/zlib_how.html ~ zlib Usage
keep: We often get questions about how the | Without further adieu, here is the program | We now include the header
keep: fputs("zpipe usage: zpipe [-d] < source > dest\\n", stderr); | no compression or decompression is performed.
drop: Copyright (c) 2004, 2005 by Mark Adler | Last modified 11 December 2005
ends: some of the intricacies of zlib. >> Without further adieu | #include "zlib.h" >> This is an ugly hack required
== /usr/share/doc/libffi8/html/The-Basics.html ~ The Basics
keep: assumes that you have a pointer to the function | The first thing you must do is create an
keep: nfixedargs is the number of fixed arguments | ffi_call (ffi_cif *cif, void *fn, void *rvalue, void **avalues)
keep: Note that while the return value must be register-sized
drop: Next: | Up: Using libffi | Simple Example
ends: return type of the function. >> The first thing | It must be greater than zero. >> ntotalargs the total number
== {RUST}/rustdoc/what-is-rustdoc.html ~ What is rustdoc
keep: The standard Rust distribution ships with a tool | why does it think that our crate is named “lib”?
keep: $ rustdoc src/lib.rs --crate-name docs | does not understand standalone Markdown files | The rest of this book
{MDBOOK} | The rustdoc book
ends: does it not have any contents? >> The first problem | Markdown files, unfortunately. >> This covers the simplest
== {RUST}/edition-guide/rust-2021/disjoint-capture-in-closures.html ~ Disjoint capture
keep: capture anything that you refer to from within their body | In Rust 2018 and before, closures capture entire
keep: will insert a “dummy let” into your closure | This is a conservative analysis | only the specific field mentioned
{MDBOOK} | The Rust Edition Guide
ends: from the surrounding context. >> In Rust 2018 and before | about the motivation. >> As a part of the 2021 edition
== /usr/share/doc/libxslt1-dev/html/bugs.html ~ Reporting bugs
keep: If you need help with the XSLT language itself | Well, bugs or missing features are always possible
keep: make sure you can reproduce the bug with xsltproc | There is no guarantee for support | I usually send source
drop: Main Menu | Related links | API Indexes | Windows binaries | The XSLT C library for GNOME
ends: a number of useful resources: >> I strongly suggest | seriously with XSLT in the future. >> Well, bugs or missing
== tests/data/docs/test-news-uk.html ~ реставрацію дерев'яної церкви
keep: У селі Смерекове Верховинської громади | «Добра ґонта, покладена як слід | срібна монета часів Марії Терезії
keep: Напис на сволоку і деревина „говорять“ одне й те саме | Тоді вона простоїть ще двісті років»
drop: Ми використовуємо файли cookie | Читайте також | У Косові відкрили виставку | Дякую всім, хто долучився
drop: Усі права захищено
ends: із навколишніх сіл. >> Церкву звели 1784 року | з понад чотирьохсот. >> Роботи розпочали у квітні
"""
BLOCKS = set("p div pre li dt dd tr h1 h2 h3 h4 h5 h6 ul ol dl table blockquote head list item quote row".split())
LIST_MARK = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
NO_COMMENTS = dict(include_comments=False, include_tables=True)
TRAFILATURA = {  # setting: keyword arguments; "bare" ones call bare_extraction() and join its body's blocks
    "extract() defaults": {},
    "txt": NO_COMMENTS,
    "txt precision": NO_COMMENTS | dict(favor_precision=True),
    "txt recall": NO_COMMENTS | dict(favor_recall=True),
    "txt fast": NO_COMMENTS | dict(fast=True),
    "txt no tables": NO_COMMENTS | dict(include_tables=False),
    "markdown": NO_COMMENTS | dict(output_format="markdown"),
    "markdown recall": NO_COMMENTS | dict(output_format="markdown", favor_recall=True),
    "bare -> paragraphs": NO_COMMENTS,
    "bare recall -> paragraphs": NO_COMMENTS | dict(favor_recall=True),
}
PROBE = "import time; t = time.perf_counter(); import {}; print(time.perf_counter() - t)"


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def paragraphs(root) -> str:
    """An lxml tree's text, a blank line around each block, a tab after each table cell (readability's HTML,
    trafilatura's XML body, where a <code> right under <body> is a block)."""
    for el in root.iter():
        if el.tag in BLOCKS or (el.tag == "code" and el.getparent().tag in ("body", "div", "quote")):
            el.text, el.tail = "\n\n" + (el.text or ""), "\n\n" + (el.tail or "")
        elif el.tag in ("br", "lb", "cell", "td", "th"):
            el.tail = ("\n" if el.tag in ("br", "lb") else "\t") + (el.tail or "")
    return re.sub(r"\n[ \t]*\n\s*", "\n\n", "".join(root.itertext())).strip()


def setup(lib: str):
    """(module, html -> (title, author, date), {setting: html -> text}); ImportError if the library is missing."""
    if lib == "trafilatura":
        from trafilatura import bare_extraction as bare
        from trafilatura import extract

        def run(h, name):
            return paragraphs(bare(h, **TRAFILATURA[name]).body) if "bare" in name else extract(h, **TRAFILATURA[name])

        def meta(h):
            return (d := bare(h, with_metadata=True, include_comments=False)) and (d.title, d.author, d.date)

        return lib, meta, {f"trafilatura {k}": partial(run, name=k) for k in TRAFILATURA}
    if lib == "readability-lxml":
        import lxml.html
        from readability import Document

        def text(h):
            return paragraphs(lxml.html.fromstring(Document(h).summary(html_partial=True)))

        return "readability", lambda h: (Document(h).title(), None, None), {"readability-lxml summary": text}
    if lib == "goose3":
        from goose3 import Goose

        def meta(h):
            return (a := goose.extract(raw_html=h)).title, ", ".join(a.authors), a.publish_date

        goose = Goose({"enable_image_fetching": False})
        return lib, meta, {"goose3 cleaned_text": lambda h: goose.extract(raw_html=h).cleaned_text}
    if lib == "boilerpy3":
        from boilerpy3 import extractors as e

        settings = {
            f"boilerpy3 {x}": getattr(e, x)(raise_on_failure=False).get_content
            for x in ("ArticleExtractor", "DefaultExtractor")
        }
        return lib, lambda h: (e.ArticleExtractor(raise_on_failure=False).get_doc(h).title, None, None), settings
    import html2text

    def text(h):
        conv = html2text.HTML2Text(bodywidth=0)
        conv.ignore_links = conv.ignore_images = True
        return conv.handle(h)

    return lib, lambda h: (None, None, None), {"html2text, whole page (baseline)": text}


def page_text(html: str) -> str:
    """All text of the page, entities decoded, whitespace collapsed (the standard library's parser)."""
    parser, chunks = HTMLParser(), []
    parser.handle_data = chunks.append
    parser.feed(html)
    parser.close()
    return squash("".join(chunks))


def load_pages() -> dict:
    pages = {}
    for block in PAGES.split("\n== ")[1:]:
        head, *lines = block.strip().splitlines()
        name, title_word = head.split(" ~ ")
        data = {"keep": [], "drop": [], "ends": []}
        for line in lines:
            data[line[:4]] += line[6:].split(" | ")
        if not (path := REPO / name).exists():
            print(f"note: page not found, skipped: {path}")
            continue
        raw = path.read_bytes()
        html = raw.decode("utf-8") if raw.isascii() or b"utf-8" in raw[:1000].lower() else raw.decode("cp1252")
        html = re.sub(r"^\s*<\?xml[^>]*>", "", html)  # lxml refuses a str that declares its encoding
        text = page_text(html)
        ends = [tuple(pair.split(" >> ")) for pair in data["ends"]]
        for snippet in data["keep"] + data["drop"] + [s for pair in ends for s in pair]:
            assert squash(snippet) in text, f"{path.name}: snippet not on the page: {snippet!r}"
        pages[path] = (html, text, title_word, data["keep"], data["drop"], ends)
    return pages


def score(text: str, page_text: str, keep, drop, ends) -> list[int]:
    flat, blank, newline = squash(text), 0, 0
    for a, b in ends:  # whitespace in a snippet matches any run of whitespace
        ma = re.search(r"\s+".join(map(re.escape, a.split())), text)
        mb = ma and re.compile(r"\s+".join(map(re.escape, b.split()))).search(text, ma.end())
        blank += bool(mb and re.search(r"\n[ \t]*\n", text[ma.end() : mb.start()]))
        newline += bool(mb and "\n" in text[ma.end() : mb.start()])
    lines = [squash(LIST_MARK.sub("", line)) for line in text.splitlines() if line.strip()]
    kept, leaked = sum(squash(s) in flat for s in keep), sum(squash(s) in flat for s in drop)
    return [kept, leaked, blank, newline, sum(line in page_text for line in lines), len(lines)]


def dist_size(name: str) -> tuple[float, int]:
    """MiB on disk of an installed distribution and of all installed distributions it requires, and their count."""
    seen, todo, total = set(), [name], 0
    while todo:
        try:
            dist = md.distribution(todo.pop())
        except md.PackageNotFoundError:  # a requirement whose marker does not hold here
            continue
        if (key := dist.metadata["Name"].lower().replace("_", "-")) not in seen:
            seen.add(key)
            total += sum(f.locate().stat().st_size for f in dist.files or () if f.locate().is_file())
            todo += [re.match(r"[\w.-]+", r)[0] for r in dist.requires or () if "extra ==" not in r.partition(";")[2]]
    return total / 2**20, len(seen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed extractions of each page (default 5)")
    parser.add_argument("--misses", action="store_true", help="list each page's missed keeps and leaked drops")
    args = parser.parse_args()
    pages, libs = load_pages(), {}
    for lib in ("trafilatura", "readability-lxml", "goose3", "boilerpy3", "html2text"):
        try:
            libs[lib] = setup(lib)
        except ImportError:
            print(f"note: {lib} is not installed, skipped")
    n, nk, nd, ne = len(pages), *(sum(len(p[i]) for p in pages.values()) for i in (3, 4, 5))
    print(f"\n{n} pages, {nk} must-keep, {nd} must-drop, {ne} paragraph ends; load {os.getloadavg()[0]:.2f}\n")
    _row("setting", "kept", "leaked", "para blank", "para nl", "verbatim", "ms/page", head=True)
    for name, extract in ((name, f) for _, _, settings in libs.values() for name, f in settings.items()):
        sums, ms, misses = [0] * 6, [], []
        for path, (html, page_text, _, keep, drop, ends) in pages.items():
            text = extract(html) or ""
            sums = [x + y for x, y in zip(sums, score(text, page_text, keep, drop, ends), strict=True)]
            ms.append(statistics.median(timeit.repeat(partial(extract, html), number=1, repeat=args.runs)) * 1000)
            misses += [f"    {path.name}: missed {s}" for s in keep if squash(s) not in squash(text)]
            misses += [f"    {path.name}: leaked {s}" for s in drop if squash(s) in squash(text)]
        shares = [x / y for x, y in zip(sums, (nk, nd, ne, ne, sums[5]), strict=False)]
        _row(name, *(f"{x:.0%}" for x in shares), f"{statistics.mean(ms):.1f}")
        if args.misses and misses:
            print("\n".join(misses))
    print()
    _row("library", "version", "title right / author / date", "import s", "MiB installed (dists)", head=True)
    for lib, (module, meta, _) in libs.items():
        found = [0, 0, 0]
        for html, _, word, *_ in pages.values():
            title, author, date = meta(html) or (None, None, None)
            found = [
                x + bool(y) for x, y in zip(found, (word.lower() in str(title).lower(), author, date), strict=True)
            ]
        cmd = [sys.executable, "-c", PROBE.format(module)]
        subprocess.run(cmd, check=True, capture_output=True)  # warm-up: bytecode cache, page cache
        imports = [float(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout) for _ in range(5)]
        mib, count = dist_size(lib)
        _row(
            lib,
            md.version(lib),
            f"{' / '.join(map(str, found))} of {n}",
            f"{statistics.median(imports):.3f}",
            f"{mib:.1f} ({count})",
        )


def _row(*cells: str, head: bool = False) -> None:
    print(f"| {' | '.join(cells)} |" + (f"\n|{' --- |' * len(cells)}" if head else ""))


if __name__ == "__main__":
    main()
