"""The web app: a chat that answers questions about the article by quoting it, with the article beside it.

A reply is framed in the asker's language (qa.messages) while the quoted sentences stay verbatim English; the
article panel highlights the sentences cited in the latest answer, numbered like the markers in the reply.
Programs use the named endpoint /ask: `Client(url).predict(question, k, api_name="/ask")` returns
Answer.to_dict(); a question that cannot be asked raises gradio's AppError carrying the localised message.

gradio is imported only when the app is built or served, never at `import qa.web`, so the renderers below can
be used and tested without it. Nothing typed by a person reaches the page unescaped.
"""

from __future__ import annotations

import html
import logging
import os
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from qa.answer import Answer, Citation
from qa.errors import QAError, QuestionError
from qa.language import detect_language, reply_language
from qa.messages import language_name, t
from qa.retrieve import MAX_K
from qa.sources import Block

if TYPE_CHECKING:
    import gradio as gr

    from qa.service import LiveRetriever

log = logging.getLogger("qa")

DEFAULT_K = 3
UI_MAX_K = 10  # the slider's range; the API accepts up to MAX_K
SHOWN_QUESTION_CHARS = 500  # a pasted essay is cut to this in the chat bubble; the reply says why it was refused
# Enough of a message to tell its language; detect_language looks no further than this anyway.
_DETECT_CHARS = 1000
_LETTER = re.compile(r"[^\W\d_]")

# Static UI text, translated in the browser by gr.I18n from the browser's language.
UI_KEYS = (
    "ui.title",
    "ui.subtitle",
    "ui.chat_label",
    "ui.chat_placeholder",
    "ui.placeholder",
    "ui.submit",
    "ui.clear",
    "ui.k_label",
    "ui.examples",
    "ui.article_heading",
    "ui.legend",
)
# One example per (language, messages key): each question reads naturally in the language it is shown in.
EXAMPLES = (
    ("en", "example.biden"),
    ("uk", "example.casualties"),
    ("ru", "example.klitschko"),
    ("en", "example.soldier_letter"),
    ("uk", "example.zelensky"),
    ("ru", "example.protests"),
)
_RELEVANCE_DOTS = {"strong": "●●●", "moderate": "●●○", "weak": "●○○"}


# --- Text for the page: markdown for the chat, HTML for the article, both escaped -------------------------

# Characters markdown (or the HTML it may contain) could act on in running prose. The other ASCII punctuation
# (. , ; : ? ! ' " ( ) / % $) is inert there and left alone, so a copied quote reads as in the article.
_MD_INLINE = str.maketrans({ch: "\\" + ch for ch in "\\`*_[]|~#"} | {"&": "&amp;", "<": "&lt;", ">": "&gt;"})
# At the start of a line these open a list or a heading ("- ", "+ ", "1. ", "2) ", "===").
_MD_LINE_START = re.compile(r"^(\s*(?:\d+)?)([-+=.)])")


def md_escape(text: str) -> str:
    """`text` as markdown that renders as exactly this text: no formatting, links, HTML or tags."""
    lines = text.translate(_MD_INLINE).split("\n")
    return "\n".join(_MD_LINE_START.sub(r"\1\\\2", line, count=1) for line in lines)


def reply_markdown(answer: Answer) -> str:
    """The chat reply: the lead-in in the asker's language, then each cited sentence with its marker."""
    lang = reply_language(answer.language)
    blocks = []
    if lang != answer.language:
        blocks.append(f"_{md_escape(t('answer.other_language', lang, language=language_name(answer.language, lang)))}_")
    if not answer.citations:
        blocks.append(md_escape(t("answer.not_found", lang)))
    else:
        blocks.append(f"**{md_escape(t('answer.lead' if answer.answered else 'answer.weak_lead', lang))}**")
        blocks.extend(_quote_markdown(n, c, lang) for n, c in enumerate(answer.citations, 1))
    blocks.append(_language_line(answer.language, lang))
    return "\n\n".join(blocks)


def _quote_markdown(n: int, citation: Citation, lang: str) -> str:
    lines = md_escape(citation.text).split("\n")
    quote = [f"> **[{n}]** {lines[0]}", *(f"> {line}" for line in lines[1:])]
    meta = (
        f"{t('citation.paragraph', lang, n=citation.paragraph + 1)} · "
        f"{_RELEVANCE_DOTS.get(citation.relevance, '')} {t('relevance.' + citation.relevance, lang)}"
    )
    return "\n".join([*quote, ">", f"> _{md_escape(meta)}_"])


def _language_line(code: str, lang: str) -> str:
    return f"<sub>{md_escape(t('answer.detected_language', lang, language=language_name(code, lang)))}</sub>"


def error_markdown(key: str, lang: str, **fields: object) -> str:
    return md_escape(t(key, lang, **fields))


def question_markdown(message: str, lang: str) -> str:
    """What the person typed, shown as text (never markup), cut short if it is very long."""
    if len(message) <= SHOWN_QUESTION_CHARS:
        return md_escape(message)
    more = t("ui.question_truncated", lang, count=len(message) - SHOWN_QUESTION_CHARS)
    return f"{md_escape(message[:SHOWN_QUESTION_CHARS])}… _{md_escape(more)}_"


def _html_escape(text: str) -> str:
    # gr.HTML fills its value into a JS template and a Handlebars one: keep `${`, `{{` and `@children` inert.
    return html.escape(text).replace("$", "&#36;").replace("{", "&#123;").replace("}", "&#125;").replace("@", "&#64;")


def article_html(text: str, paragraphs: Sequence[Block], citations: Sequence[Citation] = ()) -> str:
    """The document as numbered paragraphs, the cited sentences marked and labelled [1], [2]… like the reply.

    `paragraphs` are the index's (so numbers match "paragraph N" in the reply); `citations` of this document only.
    A citation whose offsets no longer fit the text is not highlighted. Wrapped lines are shown as one paragraph.
    """
    marks = {c.start: (c.end, n, c.relevance) for n, c in enumerate(citations, 1) if text[c.start : c.end] == c.text}
    parts = ['<div class="qa-article">']
    for number, block in enumerate(paragraphs, 1):
        tag = "h2" if number == 1 and block.kind == "heading" else "h3" if block.kind == "heading" else "p"
        kind = " qa-item" if block.kind == "item" else ""
        label = f'<span class="qa-pn" aria-hidden="true">{number}</span>'
        body = _marked(text, block.start, block.end, marks)
        parts.append(f'<{tag} class="qa-p{kind}" data-paragraph="{number}">{label}{body}</{tag}>')
    parts.append("</div>")
    return "".join(parts)


def _marked(text: str, start: int, end: int, marks: dict[int, tuple[int, int, str]]) -> str:
    out = []
    pos = start
    for at in sorted(m for m in marks if start <= m < end):
        stop, n, relevance = marks[at]
        out.append(_shown(text[pos:at]))
        out.append(
            f'<sup class="qa-marker">[{n}]</sup><mark class="qa-cite qa-{relevance}" data-cite="{n}">'
            f"{_shown(text[at:stop])}</mark>"
        )
        pos = stop
    out.append(_shown(text[pos:end]))
    return "".join(out)


def _shown(text: str) -> str:
    # A hard-wrapped paragraph reads as one paragraph: line breaks inside it are shown as spaces.
    return _html_escape(re.sub(r"[ \t]*\r?\n[ \t]*", " ", text))


def message_language(message: str, previous: str) -> str:
    """The language to reply in; a message with no letters (empty, emoji) keeps the conversation's language."""
    if not _LETTER.search(message[:_DETECT_CHARS]):
        return previous if previous else "en"
    return reply_language(detect_language(message[:_DETECT_CHARS]))


# --- The app ------------------------------------------------------------------------------------------------


class ChatApp:
    """The handlers behind the page and the /ask endpoint, around one service (a LiveRetriever)."""

    def __init__(self, service: LiveRetriever) -> None:
        self.service = service

    def article(self, citations: Sequence[Citation] = ()) -> str:
        """The panel: the document of the first citation (else the first document), its cited sentences marked;
        empty if it cannot be read (the chat says why, the log has the detail)."""
        try:
            retriever = self.service.retriever()
            ids = [d.id for d in retriever.documents]
            doc = ids.index(citations[0].document_id) if citations and citations[0].document_id in ids else 0
            text = retriever.index.text_path(doc).read_text(encoding="utf-8")
            shown = [c for c in citations if c.document_id == ids[doc]]
            # Offsets are into the stored text, which for a plain-text file is the same text as the file.
            return article_html(text, retriever.index.paragraphs[doc], shown)
        except Exception:
            log.exception("qa: rendering the article failed")
            return ""

    def reply(self, message: str, k: int, previous_lang: str) -> tuple[str, str, Answer | None]:
        """(reply markdown, reply language, answer or None). Never raises: every failure is a friendly reply."""
        lang = message_language(message, previous_lang)
        try:
            answer = self.service.ask(message, k)
        except QuestionError as exc:
            return error_markdown(exc.key, lang, **exc.fields), lang, None
        except Exception:  # QAError (index unusable) or a bug: log it, tell the person kindly, no trace
            log.exception("qa: answering %r failed", message[:200])
            return error_markdown("error.internal", lang), lang, None
        return reply_markdown(answer), reply_language(answer.language), answer

    # Event handlers. The chat takes two steps so the question shows at once and the answer follows.

    def add_question(self, message: str | None, history: list[dict], lang: str) -> tuple[str, list[dict], str]:
        message = message or ""
        if message.strip():
            shown_lang = message_language(message, lang)
            history = [*history, {"role": "user", "content": question_markdown(message, shown_lang)}]
        return "", history, message

    def answer(self, message: str, history: list[dict], k: float, lang: str) -> tuple[list[dict], str, str]:
        text, lang, answer = self.reply(message or "", _slider_k(k), lang)
        history = [*history, {"role": "assistant", "content": text}]
        return history, self.article(answer.citations if answer else ()), lang

    def example(self, index: int | None, history: list[dict], lang: str) -> tuple[str, list[dict], str]:
        code, key = EXAMPLES[index or 0]
        return self.add_question(t(key, code), history, lang)

    def clear(self) -> tuple[list[dict], str, str]:
        return [], self.article(), ""

    def api_ask(self, question: str, k: int = DEFAULT_K) -> dict[str, Any]:
        """Answer a question about the article by quoting up to k of its sentences (Answer.to_dict()).

        Raises gr.Error with the message in the question's language when the question is empty, too long or
        has no words, or when k is not a whole number from 1 to 20.
        """
        import gradio as gr

        text = question if isinstance(question, str) else ""
        lang = message_language(text, "en")
        count = _api_k(k)
        if count is None:
            raise gr.Error(t("error.bad_k", lang, limit=MAX_K), print_exception=False)
        try:
            return self.service.ask(text, count).to_dict()
        except QuestionError as exc:
            raise gr.Error(t(exc.key, lang, **exc.fields), print_exception=False) from None
        except Exception:  # QAError (index unusable) or a bug: the detail goes to the log, not to the caller
            log.exception("qa: answering %r through the API failed", text[:200])
            raise gr.Error(t("error.internal", lang), print_exception=False) from None


def _api_k(k: object) -> int | None:
    """k as sent by a client (JSON may turn 3 into 3.0), or None unless it is a whole number from 1 to MAX_K."""
    if isinstance(k, float) and k.is_integer():
        k = int(k)
    return k if isinstance(k, int) and not isinstance(k, bool) and 1 <= k <= MAX_K else None


def _slider_k(k: float | None) -> int:
    try:
        return min(max(int(round(k or DEFAULT_K)), 1), MAX_K)
    except (TypeError, ValueError):
        return DEFAULT_K


# After a question: bring it to the top of the chat, its answer below it, and scroll the article panel (the panel
# only, so a phone stays on the answer) to the first cited sentence.
_SCROLL_JS = """
() => {
  const within = (box, el, margin) => {
    if (!box || !el) return;
    const top = box.scrollTop + el.getBoundingClientRect().top - box.getBoundingClientRect().top - margin;
    box.scrollTo({top: top, behavior: 'smooth'});
  };
  setTimeout(() => {
    const block = document.querySelector('#qa-chat');
    // On a phone an example is clicked far below the chat: bring the chat back into view.
    if (block && block.getBoundingClientRect().top < 0) block.scrollIntoView({behavior: 'smooth'});
    const chat = block && block.querySelector('.bubble-wrap');
    const asked = chat ? chat.querySelectorAll('.user-row') : [];
    within(chat, asked[asked.length - 1], 8);
    const panel = document.querySelector('#qa-article .qa-scroll');
    const mark = panel && panel.querySelector('mark[data-cite="1"]');
    const para = mark && mark.closest('.qa-p');
    // Show the paragraph's start (and its number) unless that would push the sentence out of sight.
    const near = para && mark.getBoundingClientRect().top - para.getBoundingClientRect().top < panel.clientHeight / 2;
    within(panel, near ? para : mark, 12);
  }, 60);
}
"""

_TITLE_JS = "() => { const h = document.querySelector('.qa-title'); if (h) document.title = h.innerText; }"

CSS = """
.qa-header { gap: .1rem !important; }
.qa-title p { margin: 0; font-size: 1.55rem; font-weight: 700; line-height: 1.25; }
.qa-subtitle p { margin: 0; color: var(--body-text-color-subdued); }
#qa-article-panel { gap: .3rem !important; }
.qa-panel-title p { margin: 0; font-weight: 700; font-size: 1.05rem; }
.qa-panel-hint p { margin: 0; font-size: .85rem; color: var(--body-text-color-subdued); }
#qa-article .qa-scroll { position: relative; max-height: 74vh; overflow-y: auto; padding: .4rem .9rem .6rem 2.3rem;
  border-top: 1px solid var(--border-color-primary); }
.qa-article { font-family: Georgia, "Times New Roman", "DejaVu Serif", "Liberation Serif", serif;
  font-size: 1rem; line-height: 1.6; color: var(--body-text-color); }
.qa-article .qa-p { position: relative; margin: 0 0 .85rem; white-space: pre-line; }
.qa-article h2.qa-p { font-size: 1.25rem; line-height: 1.3; margin: .5rem 0 .9rem; }
.qa-article .qa-pn { position: absolute; left: -2rem; width: 1.5rem; text-align: right; top: .3em;
  font: 500 .7rem/1 system-ui, sans-serif; color: var(--body-text-color-subdued); user-select: none; }
.qa-article mark.qa-cite { background: #fde68a; color: inherit; border-radius: 3px; padding: 0 .1em;
  box-decoration-break: clone; -webkit-box-decoration-break: clone; }
.qa-article mark.qa-moderate { background: #fef3c7; }
.qa-article mark.qa-weak { background: transparent; border-bottom: 2px dotted #d97706; border-radius: 0; }
.qa-article .qa-marker { font: 700 .68rem/1 system-ui, sans-serif; color: #b45309; margin: 0 .1em 0 .15em; }
.dark .qa-article mark.qa-cite { background: rgba(250, 204, 21, .35); }
.dark .qa-article mark.qa-moderate { background: rgba(250, 204, 21, .2); }
.dark .qa-article mark.qa-weak { background: transparent; }
.dark .qa-article .qa-marker { color: #fbbf24; }
#qa-chat .panel-wrap:has(> .placeholder-content) { flex: 1 1 auto; display: flex; align-items: center;
  justify-content: center; }
#qa-chat .placeholder-content { max-width: 24rem; text-align: center; font-size: 1.05rem;
  color: var(--body-text-color-subdued); }
#qa-chat .user-row { padding: .7rem 2.6rem .6rem 1rem !important; }
#qa-chat .user-row .message-content * { font-weight: 600; }
#qa-chat .user-row .message-buttons { display: none; }
#qa-chat blockquote { margin: .45rem 0; padding: .05rem .75rem; border-left: 3px solid #f59e0b; }
#qa-chat sub { color: var(--body-text-color-subdued); }
@media (max-width: 640px) {
  .qa-title p { font-size: 1.25rem; }
  #qa-article .qa-scroll { max-height: 70vh; padding-left: 2rem; }
}
"""


# Page-level rules go in <head>: gradio scopes `css` inside the app container, which cannot reach the page margins.
HEAD = """<style>
@media (max-width: 640px) { .gradio-container > .main { padding-left: .6rem; padding-right: .6rem; } }
</style>"""


def _import_gradio() -> Any:
    # Set before the first import: gradio reads it then. The app runs offline and must not try to phone home.
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    import gradio

    return gradio


def _theme(gr: Any) -> Any:
    # System fonts only: nothing is fetched from a font CDN, and they cover Cyrillic.
    sans = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Ubuntu", "Noto Sans", "DejaVu Sans", "sans-serif"]
    mono = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "DejaVu Sans Mono", "monospace"]
    return gr.themes.Soft(primary_hue="amber", secondary_hue="slate", neutral_hue="slate", font=sans, font_mono=mono)


def translations() -> dict[str, dict[str, str]]:
    return {lang: {key: t(key, lang) for key in UI_KEYS} for lang in ("en", "uk", "ru")}


def build_app(service: LiveRetriever | None = None) -> gr.Blocks:
    """The Blocks app. Launch it with `launch_kwargs()` (theme, CSS and translations live there in gradio 6)."""
    gr = _import_gradio()
    from qa.service import default_service

    app = ChatApp(service or default_service())
    i18n = gr.I18n(**translations())
    with gr.Blocks(title=t("ui.title", "en"), analytics_enabled=False) as demo:
        lang = gr.State("en")  # the conversation's language: replies to wordless messages keep it
        pending = gr.State("")
        # One translatable string per component: the browser translates a value that is a single i18n key.
        with gr.Column(elem_classes="qa-header"):
            gr.Markdown(i18n("ui.title"), elem_classes="qa-title")
            gr.Markdown(i18n("ui.subtitle"), elem_classes="qa-subtitle")
        with gr.Row(equal_height=False):
            with gr.Column(scale=5, min_width=320):
                chat = gr.Chatbot(
                    elem_id="qa-chat",
                    label=i18n("ui.chat_label"),
                    show_label=False,
                    height="52vh",
                    min_height=320,
                    layout="panel",  # full-width messages: quotes need the width, on a phone most of all
                    placeholder=i18n("ui.chat_placeholder"),
                    latex_delimiters=[],  # "$" in a question or an article is money, not maths
                    sanitize_html=True,
                    allow_tags=False,
                    buttons=["copy"],  # no "share": it would upload the chat to Hugging Face
                    feedback_options=None,
                    autoscroll=False,  # _SCROLL_JS shows each new question at the top, its answer below it
                )
                question = gr.Textbox(
                    elem_id="qa-question",
                    show_label=False,
                    placeholder=i18n("ui.placeholder"),
                    lines=1,
                    max_lines=6,
                    submit_btn=i18n("ui.submit"),
                    autofocus=True,
                )
                with gr.Row(equal_height=False):
                    k = gr.Slider(
                        1, UI_MAX_K, value=DEFAULT_K, step=1, label=i18n("ui.k_label"), scale=4, min_width=230
                    )
                    clear = gr.Button(i18n("ui.clear"), variant="secondary", size="md", scale=1, min_width=110)
                examples = gr.Dataset(
                    components=[question],
                    samples=[[t(key, code)] for code, key in EXAMPLES],
                    label=i18n("ui.examples"),
                    type="index",
                    layout="gallery",
                    samples_per_page=len(EXAMPLES),
                )
            with gr.Column(scale=6, min_width=320):
                with gr.Column(elem_id="qa-article-panel", variant="panel"):
                    gr.Markdown(i18n("ui.article_heading"), elem_classes="qa-panel-title")
                    gr.Markdown(i18n("ui.legend"), elem_classes="qa-panel-hint")
                    article = gr.HTML(
                        app.article(),
                        elem_id="qa-article",
                        html_template='<div class="qa-scroll">${value}</div>',
                        js_on_load=None,
                    )

        ask_inputs = [pending, chat, k, lang]
        ask_outputs = [chat, article, lang]
        private: dict[str, Any] = {"api_visibility": "private"}
        question.submit(app.add_question, [question, chat, lang], [question, chat, pending], **private).then(
            app.answer, ask_inputs, ask_outputs, show_progress="minimal", **private
        ).then(None, js=_SCROLL_JS, **private)
        examples.click(app.example, [examples, chat, lang], [question, chat, pending], **private).then(
            app.answer, ask_inputs, ask_outputs, show_progress="minimal", **private
        ).then(None, js=_SCROLL_JS, **private)
        clear.click(app.clear, None, [chat, article, question], **private)
        chat.clear(app.clear, None, [chat, article, question], **private)
        # The tab title cannot be an i18n key; take it from the translated heading once the page is up.
        demo.load(None, js=_TITLE_JS, **private)
        gr.api(app.api_ask, api_name="ask")
    return demo


def launch_kwargs() -> dict[str, Any]:
    gr = _import_gradio()
    return {
        "theme": _theme(gr),
        "css": CSS,
        "head": HEAD,
        "i18n": gr.I18n(**translations()),
        "share": False,
        "show_error": False,  # tracebacks stay in the server log; handlers reply kindly instead
        "footer_links": ["api", "settings"],
    }


def _warm_up(service: LiveRetriever) -> None:
    # Builds the index if missing and loads the model. The engine's first couple of queries take seconds, so they
    # are asked here (one Latin, one Cyrillic) rather than by the first person.
    for question in ("Who spoke at the United Nations?", "Хто виступав в ООН?"):
        service.ask(question, 1)


def serve(host: str = "127.0.0.1", port: int = 7860) -> None:
    """Serve the app on the bundled article at http://host:port until interrupted. Raises QAError or OSError."""
    from qa.service import default_service

    service = default_service()
    # Loading the model and importing gradio take seconds each; do both at once.
    with ThreadPoolExecutor(1, thread_name_prefix="qa-warm-up") as pool:
        warm = pool.submit(_warm_up, service)
        _import_gradio()
        warm.result()
    demo = build_app(service)
    demo.queue(default_concurrency_limit=1)  # one question at a time: the embedder serialises them anyway
    try:
        demo.launch(server_name=host, server_port=port, quiet=True, prevent_thread_lock=True, **launch_kwargs())
    except OSError as exc:
        # gradio's own message points at its environment variables; ours are --port and QA_PORT.
        reason = "the port is in use" if "empty port" in str(exc) else str(exc).splitlines()[0]
        raise QAError(f"cannot serve on {host}:{port}: {reason}; choose another with --port or QA_PORT") from None
    print(f"qa: serving the article at http://{_url_host(host)}:{port}/ (Ctrl+C to stop)", flush=True)
    demo.block_thread()


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
