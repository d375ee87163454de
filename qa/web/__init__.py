"""The web app: a chat that answers questions about a library of articles by quoting them, the article beside it.

    render.py     the chat's Markdown and the document panel's HTML, everything escaped
    language.py   which language to answer a person in: the message's, the conversation's, the browser's
    examples.py   the example questions offered for a document: only ones it answers, in the page's language
    addresses.py  which web addresses may be added (http(s), and not the app itself)
    access.py     who may add documents: anyone on loopback, the owner beyond it, nobody when read-only
    jobs.py       adding a document in the background: the job, its progress and place in line, cancelling it
    worker.py     the child process that embeds a document at a lower priority, so questions come first
    uploads.py    uploaded files: removed from the server once their add is over
    api.py        requests from programs: the /ask endpoint and POST /api/ask, their checks and statuses
    handlers.py   ChatApp: the page's event handlers, on top of the API's
    layout.py     the Gradio Blocks, which handler each event calls, how the page is launched
    server.py     serve(): warm up, build the page, serve it

Each imports only modules above it. gradio is imported when the page is built or served, never at `import qa.web`,
so the renderers and handlers can be used and tested without it.
"""

from qa.web.api import BadRequest
from qa.web.examples import EXAMPLES, bundled_examples, suggested_questions
from qa.web.handlers import ALL_DOCUMENTS, ChatApp
from qa.web.jobs import Library, progress_html
from qa.web.language import accepted_language
from qa.web.layout import UI_KEYS, translations
from qa.web.render import SHOWN_QUESTION_CHARS, article_html, md_escape, question_markdown, reply_markdown
from qa.web.server import serve

__all__ = [
    "ALL_DOCUMENTS",
    "EXAMPLES",
    "SHOWN_QUESTION_CHARS",
    "UI_KEYS",
    "BadRequest",
    "ChatApp",
    "Library",
    "accepted_language",
    "article_html",
    "bundled_examples",
    "md_escape",
    "progress_html",
    "question_markdown",
    "reply_markdown",
    "serve",
    "suggested_questions",
    "translations",
]
