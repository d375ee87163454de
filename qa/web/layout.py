"""The page: the Gradio Blocks (chat, document picker, examples, "Use another article", the document beside them),
which handler each event calls, and how the page is launched (theme, CSS, translations, the JSON route).

Its handlers are a ChatApp's (qa.web.handlers); gradio is imported when the page is built, never at import.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.messages import t
from qa.web.access import OPEN, Access
from qa.web.api import DEFAULT_K, api_routes
from qa.web.examples import MAX_EXAMPLES
from qa.web.handlers import ALL_DOCUMENTS, ChatApp, import_gradio
from qa.web.jobs import MAX_UPLOAD_BYTES
from qa.web.uploads import UPLOAD_MAX_AGE

if TYPE_CHECKING:
    import gradio as gr

    from qa.service import LiveRetriever

STATIC = Path(__file__).resolve().with_name("static")
UI_MAX_K = 10  # the slider's range; the API accepts up to MAX_K
# gradio refuses a bigger upload itself, in English, before receiving it whole (in the browser, or on the server as
# the bytes arrive). Up to it the app's own limit (qa.web.jobs.MAX_UPLOAD_BYTES) says so in the page's language,
# and the file is removed at once (qa.web.uploads).
_HARD_UPLOAD_BYTES = 2 * MAX_UPLOAD_BYTES

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
    "ui.picker_label",
    "ui.library_heading",
    "ui.library_hint",
    "ui.source_file",
    "ui.source_text",
    "ui.source_url",
    "ui.file_label",
    "ui.text_placeholder",
    "ui.text_title",
    "ui.url_placeholder",
    "ui.add_button",
    "ui.cancel_add",
)

_TITLE_JS = "() => { const h = document.querySelector('.qa-title'); if (h) document.title = h.innerText; }"

# Page-level rules go in <head>: gradio scopes `css` inside the app container, which cannot reach the page margins.
HEAD = """<style>
@media (max-width: 640px) { .gradio-container > .main { padding-left: .6rem; padding-right: .6rem; } }
</style>"""


def _static(name: str) -> str:
    return (STATIC / name).read_text(encoding="utf-8")


def _theme(gr: Any) -> Any:
    # System fonts only: nothing is fetched from a font CDN, and they cover Cyrillic.
    sans = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Ubuntu", "Noto Sans", "DejaVu Sans", "sans-serif"]
    mono = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "DejaVu Sans Mono", "monospace"]
    return gr.themes.Soft(primary_hue="amber", secondary_hue="slate", neutral_hue="slate", font=sans, font_mono=mono)


def translations() -> dict[str, dict[str, str]]:
    return {lang: {key: t(key, lang) for key in UI_KEYS} for lang in ("en", "uk", "ru")}


def build_app(
    service: LiveRetriever | None = None,
    *,
    allow_private_urls: bool = False,
    own_port: int | None = None,
    access: Access = OPEN,
) -> gr.Blocks:
    """The Blocks app; its handlers are `demo.qa_app` (a ChatApp). Launch it with `launch_kwargs(demo)`.
    `access`: who may add documents (qa.web.access)."""
    gr = import_gradio()
    from qa.service import default_service

    app = ChatApp(service or default_service(), allow_private_urls=allow_private_urls, own_port=own_port, access=access)
    i18n = gr.I18n(**translations())
    first_panel, first_shown = app.article_view()
    # delete_cache: gradio removes the app's uploads that nobody added (an add removes its own: qa.web.uploads),
    # hourly, and all of them when the app stops.
    sweep = (UPLOAD_MAX_AGE, UPLOAD_MAX_AGE)
    with gr.Blocks(title=t("ui.title", "en"), analytics_enabled=False, delete_cache=sweep) as demo:
        lang = gr.State("")  # the conversation's language ("" until the first message: the browser's, then)
        pending = gr.State("")
        answers = gr.State([])  # this chat's earlier answers (Answer.to_dict()), oldest first: its history
        thread = gr.State(ALL_DOCUMENTS)  # the picker's value when those answers were given (ChatApp.answer)
        shown = gr.State(first_shown)  # the document in the panel
        added = gr.State(None)  # {"document": id} once an added document is in the library
        # One translatable string per component: the browser translates a value that is a single i18n key.
        with gr.Column(elem_classes="qa-header"):
            gr.Markdown(i18n("ui.title"), elem_classes="qa-title")
            gr.Markdown(i18n("ui.subtitle"), elem_classes="qa-subtitle")
        with gr.Row(equal_height=False):
            with gr.Column(scale=5, min_width=320):
                picker = gr.Dropdown(
                    choices=app.choices("en"),
                    value=ALL_DOCUMENTS,
                    label=i18n("ui.picker_label"),
                    elem_id="qa-picker",
                    interactive=True,
                    filterable=False,
                )
                chat = gr.Chatbot(
                    elem_id="qa-chat",
                    label=i18n("ui.chat_label"),
                    show_label=False,
                    height="48vh",
                    min_height=320,
                    layout="panel",  # full-width messages: quotes need the width, on a phone most of all
                    placeholder=i18n("ui.chat_placeholder"),
                    latex_delimiters=[],  # "$" in a question or an article is money, not maths
                    sanitize_html=True,
                    allow_tags=False,
                    buttons=["copy"],  # no "share": it would upload the chat to Hugging Face
                    feedback_options=None,
                    autoscroll=False,  # scroll.js shows each new question at the top, its answer below it
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
                    samples=app.examples(first_shown),
                    label=i18n("ui.examples"),
                    type="values",
                    layout="gallery",
                    samples_per_page=MAX_EXAMPLES,
                    elem_id="qa-examples",
                )
                # Shown to those who may add (qa.web.access): page_load decides per visitor.
                library_panel = gr.Accordion(
                    i18n("ui.library_heading"), open=False, elem_id="qa-library", visible=access.may_change(None)
                )
                with library_panel:
                    gr.Markdown(i18n("ui.library_hint"), elem_classes="qa-panel-hint")
                    with gr.Tabs():
                        with gr.Tab(i18n("ui.source_file"), elem_id="qa-tab-file"):
                            upload = gr.File(
                                label=i18n("ui.file_label"), file_count="single", type="filepath", elem_id="qa-file"
                            )
                            add_file = gr.Button(i18n("ui.add_button"), variant="primary", elem_id="qa-add-file")
                        with gr.Tab(i18n("ui.source_text"), elem_id="qa-tab-text"):
                            pasted_title = gr.Textbox(
                                show_label=False, placeholder=i18n("ui.text_title"), elem_id="qa-paste-title"
                            )
                            pasted = gr.Textbox(
                                show_label=False,
                                placeholder=i18n("ui.text_placeholder"),
                                lines=6,
                                max_lines=14,
                                elem_id="qa-paste",
                            )
                            add_text = gr.Button(i18n("ui.add_button"), variant="primary", elem_id="qa-add-text")
                        with gr.Tab(i18n("ui.source_url"), elem_id="qa-tab-url"):
                            url = gr.Textbox(show_label=False, placeholder=i18n("ui.url_placeholder"), elem_id="qa-url")
                            add_url = gr.Button(i18n("ui.add_button"), variant="primary", elem_id="qa-add-url")
                    status = gr.HTML("", elem_id="qa-add-status")
                    # Stops this page's add; the library stays as it was. Shown (app.css) only beside a progress bar.
                    cancel = gr.Button(i18n("ui.cancel_add"), variant="stop", size="sm", elem_id="qa-add-cancel")
            with gr.Column(scale=6, min_width=320):
                with gr.Column(elem_id="qa-article-panel", variant="panel"):
                    gr.Markdown(i18n("ui.article_heading"), elem_classes="qa-panel-title")
                    gr.Markdown(i18n("ui.legend"), elem_classes="qa-panel-hint")
                    article = gr.HTML(
                        first_panel,
                        elem_id="qa-article",
                        html_template='<div class="qa-scroll">${value}</div>',
                        js_on_load=None,
                    )

        private: dict[str, Any] = {"api_visibility": "private"}
        scroll = _static("scroll.js")
        ask_inputs = [pending, chat, k, lang, picker, answers, shown, thread]
        ask_outputs = [chat, article, lang, answers, shown, thread]
        question.submit(app.add_question, [question, chat, lang], [question, chat, pending], **private).then(
            app.answer, ask_inputs, ask_outputs, show_progress="minimal", **private
        ).then(None, js=scroll, **private)
        examples.click(app.example, [examples, chat, lang], [question, chat, pending, answers], **private).then(
            app.answer, ask_inputs, ask_outputs, show_progress="minimal", **private
        ).then(None, js=scroll, **private)
        clear.click(app.clear, [picker, shown], [chat, article, question, answers], **private)
        chat.clear(app.clear, [picker, shown], [chat, article, question, answers], **private)
        quiet: dict[str, Any] = {**private, "show_progress": "hidden"}  # fast updates: no spinner over the panel
        picker.input(app.pick, [picker, shown], [article, examples, shown], **quiet)
        picker.focus(app.refresh_picker, [picker], [picker], **quiet)
        # Adding runs in its own concurrency group and shows its own progress bar, so questions go on meanwhile.
        adding: dict[str, Any] = {
            **private,
            "show_progress": "hidden",
            "concurrency_id": "qa-add",
            "concurrency_limit": 8,
        }
        after = ([added, upload], [picker, article, examples, shown, upload, pasted, pasted_title, url])
        add_file.click(app.add_file, [upload], [status, added], **adding).then(app.after_add, *after, **quiet)
        add_text.click(app.add_text, [pasted, pasted_title], [status, added], **adding).then(
            app.after_add, *after, **quiet
        )
        add_url.click(app.add_url, [url], [status, added], **adding).then(app.after_add, *after, **quiet)
        # Its own group: a Cancel never waits behind the adds it is meant to stop.
        cancel.click(app.cancel_add, None, None, concurrency_id="qa-cancel", **quiet)
        # The tab title cannot be an i18n key; take it from the translated heading once the page is up.
        demo.load(app.page_load, None, [picker, article, examples, shown, library_panel], **quiet).then(
            None, js=_TITLE_JS, **private
        )
        gr.api(app.api_ask, api_name="ask")
    demo.qa_app = app
    return demo


def launch_kwargs(demo: gr.Blocks) -> dict[str, Any]:
    gr = import_gradio()
    return {
        "theme": _theme(gr),
        "css": _static("app.css"),
        "head": HEAD,
        "i18n": gr.I18n(**translations()),
        "share": False,
        "show_error": False,  # tracebacks stay in the server log; handlers reply kindly instead
        "footer_links": ["api", "settings"],
        "max_file_size": _HARD_UPLOAD_BYTES,
        # FastAPI(routes=...): POST /api/ask lives on the same server as the page.
        "app_kwargs": {"routes": api_routes(demo.qa_app)},
    }
