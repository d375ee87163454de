"""Read a question against the conversation so far: on its own, as a follow-up, or as a request for more.

A follow-up ("and when?", "а що він їм пообіцяв?", "а потом?") leans on the turn before it. It is read three ways
at once and the scores are added: the question alone, the earlier question's subject followed by the new question
(one embedding of both), and a prior over the sentences near the ones the earlier answer cited (a follow-up
usually asks for the next sentence or two; the offsets' weights were measured on the dev dialogues). A question
that does not look like a follow-up is answered exactly as if it were asked alone, so a new topic never drifts.

"more" / "ще" / "ещё" gives the next best sentences for the question the conversation is about, as it was read
(a follow-up's "more" continues the follow-up's reading), skipping every sentence the conversation has quoted.

History is what the caller saw, oldest first: questions (str), Answers, or Answer.to_dict() dicts. For an Answer
its citations and reading are taken as they were; a bare question is read again (at most _REPLAY turns back),
which costs one or two embeddings per turn.

Every weight and word list here is general: nothing knows about any particular document.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from qa.answer import Answer, Reading
from qa.language import detect_language
from qa.retrieval import Retriever, clean_question
from qa.retrieval.abstain import Scores
from qa.retrieval.question import check_k

MAX_HISTORY = 100  # turns; a client sending more is sending something else than a conversation
KINDS = ("alone", "follow-up", "more")
# How far back a bare question in the history is read again to learn what it cited.
_REPLAY = 2
# How far back "more" looks for the question it continues.
_MORE_REACH = 20

# Weights of the three readings of a follow-up, on z-scored scores (fitted on the dev dialogues).
_ALONE_WEIGHT = 1.0
_JOINED_WEIGHT = 1.0
_NEAR_WEIGHT = 2.0
# Where a follow-up's answer stands relative to a sentence the earlier answer cited (+1: the next sentence):
# the share of dev follow-ups at each offset, relative to the most common one. The cited sentence itself (0) is
# often what was already read, so the next one weighs more.
NEIGHBOUR_PRIOR = {-3: 0.04, -2: 0.1, -1: 0.26, 0: 0.53, 1: 1.0, 2: 0.47, 3: 0.19, 4: 0.13, 5: 0.06}
# The earlier answer's citations by rank: the first one is the one the asker most likely read.
_RANK_WEIGHTS = (1.0, 0.5, 0.33)

_WORD = re.compile(r"[^\W\d_]+(?:['’ʼ][^\W\d_]+)*")
# Words that open a follow-up: "and …?", "а …?", "і …?", "и …?", "but …", "so …", "then …".
_CONNECTIVES = frozenset(
    """and but so then also or plus
    а і й та то ну ще також тоді
    и но тоже также тогда ещё еще""".split()
)
# Two-word openers that ask about a variation of what was just said: "what if …", "what about …".
_OPENERS = frozenset({("what", "if"), ("what", "about"), ("how", "about")})
# Pronouns and deictic words that point back at something said before ("he", "it", "that", "there", "then").
# Not "такий"/"такой": "Хто такий Кислиця?" asks who someone is.
_POINTERS = frozenset(
    """he she it they him her them his hers its their theirs this that these those there then such former latter
    він вона воно вони його її їх їм йому ним нею ними нього неї них ньому ній
    це цей ця ці цього цієї цих цим цьому цією той те ті того тієї тих тим тому тією там тоді тут туди звідти
    он она оно они его её ее их им ему ним ней ними него нее неё них нём нем
    это этот эта эти этого этой этих этим этому этом этою тот те того той тех тем там тогда тут туда оттуда""".split()
)
# A question of this many words or fewer leans on what came before ("why?", "коли?", "any exceptions?"). Four or
# five words without a pointer already stand on their own ("How many protesters were detained?").
_SHORT = 3

# "more", "more please", "а ще?", "ещё", "tell me more", "anything else?": only these words, and at least one
# of _MORE_CORE. A question word ("what else?", "що ще?") makes it a follow-up instead.
_MORE_CORE = frozenset(
    """more else next continue
    ще більше далі продовжуй продовжуйте продовж
    ещё еще больше дальше продолжай продолжайте""".split()
)
_MORE_FILLER = frozenset(
    """and also please pls plz tell show give me us some anything something go on keep going ok okay
    а і й також будь ласка розкажи розкажіть покажи покажіть дай дайте мені щось інше інші
    и также тоже пожалуйста расскажи расскажите покажи покажите дай дайте мне что-нибудь что-то другое другие""".split()
)


@dataclass(frozen=True)
class Turn:
    """One earlier turn as the reader needs it."""

    question: str  # as asked
    cited: tuple[tuple[str, int, str], ...] | None  # (document id, sentence id, text), best first; None: not known
    reading: Reading | None  # None: not known (a bare question) or asked without history (kind "alone")
    answer: bool  # True when it came as an Answer (or its dict): cited and reading are as the asker saw them


@dataclass
class _Read:
    """How one turn was (or is now) read: its score vector over the searched rows, its reading, what it cited."""

    scores: Scores | None  # None when not needed (an Answer in the history whose scores we did not redo)
    reading: Reading
    cited: list[int]  # index rows, best first
    context: str  # the subject a follow-up to this turn is read against


def is_more(question: str) -> bool:
    """True for a request for more of the same ("more", "а ще?", "ещё пожалуйста"), in any of the three languages."""
    words = [w.lower() for w in re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)?", question)]
    if not words or len(words) > 6:
        return False
    return any(w in _MORE_CORE for w in words) and all(w in _MORE_CORE or w in _MORE_FILLER for w in words)


def looks_like_follow_up(question: str) -> bool:
    """Whether a question leans on what came before: it opens with "and"/"а"/"і"/"и"/"what if", points back with a
    pronoun or a deictic word ("he", "that", "там", "тогда"), or is too short to stand on its own and names nothing
    ("why?", "приклад?"; but "Who is Reznikov?" names its subject)."""
    words = _WORD.findall(question)
    lower = [w.lower() for w in words]
    if not words:
        return False
    if lower[0] in _CONNECTIVES or tuple(lower[:2]) in _OPENERS or any(w in _POINTERS for w in lower):
        return True
    return len(words) <= _SHORT and not any(w[0].isupper() for w in words[1:])


def parse_history(history: object) -> list[Turn]:
    """The history as Turns, or ValueError saying which item is wrong and why."""
    if isinstance(history, str | bytes | dict) or not isinstance(history, Sequence):
        raise ValueError(
            f"history must be a list of earlier questions (str) or answers (Answer or Answer.to_dict()), "
            f"not {type(history).__name__}"
        )
    if len(history) > MAX_HISTORY:
        raise ValueError(f"history is too long: {len(history)} turns, the limit is {MAX_HISTORY}")
    return [_turn(n, item) for n, item in enumerate(history)]


def _turn(n: int, item: object) -> Turn:
    where = f"history[{n}]"
    if isinstance(item, Answer):
        item = item.to_dict()
    if isinstance(item, str):
        question, cited, reading, answer = item, None, None, False
    elif isinstance(item, dict):
        question = item.get("question")
        if not isinstance(question, str):
            raise ValueError(f"{where}: an answer needs its question (a str)")
        cited = tuple(_citation(f"{where}.citations[{i}]", c) for i, c in enumerate(_list(where, item)))
        reading, answer = _reading(where, item.get("reading")), True
    else:
        raise ValueError(f"{where}: expected a question (str) or an answer (Answer or dict), not {type(item).__name__}")
    try:
        clean_question(question)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    return Turn(question, cited, reading, answer)


def _list(where: str, item: dict) -> list:
    citations = item.get("citations", [])
    if not isinstance(citations, list):
        raise ValueError(f"{where}: citations must be a list")
    return citations


def _citation(where: str, c: object) -> tuple[str, int, str]:
    if not isinstance(c, dict):
        raise ValueError(f"{where}: expected a citation (dict), not {type(c).__name__}")
    doc, sid, text = c.get("document_id", ""), c.get("sentence_id"), c.get("text", "")
    if not isinstance(doc, str) or not isinstance(sid, int) or isinstance(sid, bool) or sid < 0:
        raise ValueError(f"{where}: needs document_id (str) and sentence_id (an integer ≥ 0)")
    if not isinstance(text, str):
        raise ValueError(f"{where}: text must be a str")
    return doc, sid, text


def _reading(where: str, data: object) -> Reading | None:
    if data is None:
        return None
    if isinstance(data, Reading):
        return data
    if not isinstance(data, dict) or data.get("kind") not in KINDS:
        raise ValueError(f"{where}: reading must be null or a dict with kind one of {', '.join(KINDS)}")
    earlier, turn = data.get("earlier_question", ""), data.get("turn")
    if not isinstance(earlier, str) or not (turn is None or (isinstance(turn, int) and not isinstance(turn, bool))):
        raise ValueError(f"{where}: reading needs earlier_question (str) and turn (an integer or null)")
    return Reading(data["kind"], earlier, turn)


def ask(retriever: Retriever, question: str, k: int = 3, document: str | None = None, history: object = ()) -> Answer:
    """Answer `question` read against `history` (see the module docstring): up to k cited sentences, best first,
    from every document or the one with id `document`."""
    check_k(k)
    turns = parse_history(history)
    if not turns:
        return retriever.ask(question, k, document=document)
    text = clean_question(question)
    reader = _Reader(retriever, retriever.rows(document), turns, k)
    if reader.kind(len(turns), text, depth=0) == "alone":
        # Exactly what Retriever.ask computes for the question on its own.
        return replace(retriever.ask(question, k, document=document), reading=Reading("alone"))
    read = reader.read(len(turns), text, depth=0)
    language = detect_language(text)
    start = reader.rows.start
    if read.reading.kind == "more" and not read.cited:
        return Answer(question, language, False, [], 0.0, read.reading)
    order = np.asarray([row - start for row in read.cited])
    return replace(retriever.answer(question, language, read.scores, order, start), reading=read.reading)


class _Reader:
    def __init__(self, retriever: Retriever, rows: range, turns: list[Turn], k: int) -> None:
        self.retriever = retriever
        self.rows = rows
        self.turns = turns
        self.k = k
        self._memo: dict[int, _Read] = {}

    def kind(self, i: int, text: str, depth: int) -> str:
        """How turn i (the new question when i == len(turns)) is read: "alone", "follow-up" or "more"."""
        given = self.turns[i] if i < len(self.turns) else None
        if given is not None and given.answer:
            reading = given.reading
            # An Answer's reading is kept as the asker saw it, as long as it still fits this history.
            if reading is None or reading.turn is None or not 0 <= reading.turn < i:
                return "alone"
            return reading.kind
        if i == 0 or depth > _REPLAY:
            return "alone"
        if is_more(text) and self._anchor(i) is not None:
            return "more"
        return "follow-up" if looks_like_follow_up(text) else "alone"

    def read(self, i: int, text: str, depth: int, need_scores: bool = True) -> _Read:
        """Turn i (the new question when i == len(turns)) read against the turns before it."""
        given = self.turns[i] if i < len(self.turns) else None
        if i in self._memo and (self._memo[i].scores is not None or not need_scores):
            return self._memo[i]
        kind = self.kind(i, text, depth)
        if given is not None and given.answer and not need_scores:
            # As the asker saw it: no need to score it again.
            reading = given.reading if kind != "alone" and given.reading else Reading("alone")
            context = self.turns[reading.turn].question if kind == "more" and reading.turn is not None else text
            result = _Read(None, reading, self._rows_of(given.cited or ()), context)
        elif kind == "more":
            anchor = self._anchor(i) if given is None or not given.answer else given.reading.turn
            assert anchor is not None
            base = self._turn(anchor, depth + 1, need_scores=True)
            cited = self._given_or(given, lambda: self._next_rows(base.scores, anchor, i))
            result = _Read(base.scores, Reading("more", self.turns[anchor].question, anchor), cited, base.context)
        elif kind == "follow-up":
            before = self._turn(i - 1, depth + 1)
            scores = self._follow_up_scores(text, before)
            lean = before.reading.turn if before.reading.kind == "more" else i - 1
            assert lean is not None
            cited = self._given_or(given, lambda: self._top(scores))
            result = _Read(scores, Reading("follow-up", self.turns[lean].question, lean), cited, text)
        else:
            scores = self._alone(text)
            result = _Read(scores, Reading("alone"), self._given_or(given, lambda: self._top(scores)), text)
        self._memo[i] = result
        return result

    def _turn(self, i: int, depth: int, need_scores: bool = False) -> _Read:
        return self.read(i, clean_question(self.turns[i].question), depth, need_scores)

    def _anchor(self, i: int) -> int | None:
        """The turn a "more" at turn i continues: the latest turn before it that was not itself a "more"."""
        for j in range(i - 1, max(-1, i - 1 - _MORE_REACH), -1):
            turn = self.turns[j]
            if turn.answer:
                if turn.reading is not None and turn.reading.kind == "more":
                    if turn.reading.turn is not None and 0 <= turn.reading.turn < j:
                        return turn.reading.turn
                    continue
                return j
            if not is_more(turn.question):
                return j
        return None

    def _shown(self, upto: int) -> set[int]:
        """Rows already cited anywhere in the conversation before turn `upto`: "more" never quotes one again."""
        shown: set[int] = set()
        for j in range(upto):
            shown.update(self._turn(j, 0).cited)
        return shown

    # --- scores

    def _alone(self, text: str) -> Scores:
        return self.retriever.score(text).rows(self.rows.start, self.rows.stop)

    def _follow_up_scores(self, text: str, before: _Read) -> Scores:
        """The three readings' scores combined, with the evidence of the question joined to the earlier one."""
        joined_scores = self._alone(f"{before.context} {text}")
        alone, joined = self._alone(text).fused, joined_scores.fused
        near = self._near(before.cited)
        combined = _ALONE_WEIGHT * _z(alone) + _JOINED_WEIGHT * _z(joined) + _NEAR_WEIGHT * near
        # Back on the scale of the question as read (the joined one), so relevance and abstention read it as usual.
        total = _ALONE_WEIGHT + _JOINED_WEIGHT
        return joined_scores.with_fused((joined.mean() + joined.std() * combined / total).astype(np.float32))

    def _near(self, cited: list[int]) -> np.ndarray:
        prior = np.zeros(len(self.rows))
        sentences = self.retriever.sentences
        for weight, row in zip(_RANK_WEIGHTS, cited, strict=False):
            for offset, w in NEIGHBOUR_PRIOR.items():
                target = row + offset
                if target in self.rows and sentences[target].doc == sentences[row].doc:
                    prior[target - self.rows.start] = max(prior[target - self.rows.start], weight * w)
        return prior

    def _top(self, scores: Scores) -> list[int]:
        return [self.rows.start + int(i) for i in np.argsort(-scores.fused, kind="stable")[: self.k]]

    def _next_rows(self, scores: Scores | None, anchor: int, i: int) -> list[int]:
        assert scores is not None
        shown = self._shown(i)
        order = (self.rows.start + int(r) for r in np.argsort(-scores.fused, kind="stable"))
        return [r for r in order if r not in shown][: self.k]

    def _given_or(self, given: Turn | None, compute: Callable[[], list[int]]) -> list[int]:
        if given is not None and given.answer:
            return self._rows_of(given.cited or ())
        return compute()

    def _rows_of(self, cited: Sequence[tuple[str, int, str]]) -> list[int]:
        """Index rows of cited sentences that are still in the index, as cited, among the rows searched."""
        out = []
        manifest = self.retriever.index.manifest
        for doc_id, sid, text in cited:
            entry = next((d for d in manifest.documents if d.id == doc_id), None)
            if entry is None and not doc_id and len(manifest.documents) == 1:
                entry = manifest.documents[0]
            if entry is None or sid >= entry.sentences:
                continue
            row = entry.first + sid
            if row in self.rows and (not text or self.retriever.sentences[row].text == text):
                out.append(row)
        return out


def _z(scores: np.ndarray) -> np.ndarray:
    std = float(scores.std())
    return (scores - scores.mean()) / std if std > 0 else scores - scores.mean()
