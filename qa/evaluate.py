"""Measure retrieval quality on a question set: hit@1, hit@3, MRR and abstention, per language.

Question files are JSONL, one question a line (format in tests/data/README.md):
    {"id": "dev-uk-017", "lang": "uk", "question": "...", "answerable": true, "gold": ["substring of gold"]}
with an optional "doc": the file name of the document asked about, in an index of several documents; the
question is then asked of that document only. A citation is a hit when its sentence contains any gold substring,
whitespace collapsed (a hard-wrapped sentence holds line breaks where the gold has spaces).

`confidence` is checked for calibration: over all questions, the expected calibration error between the
confidence and whether the first citation answers (never, for an unanswerable question).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TypeVar

from qa import conversation
from qa.answer import Answer
from qa.errors import QAError
from qa.retrieval import MAX_QUESTION_CHARS, Retriever

T = TypeVar("T")

RANK_DEPTH = 10  # MRR is computed over the first 10 citations
CALIBRATION_BINS = 10


@dataclass(frozen=True)
class Question:
    id: str
    lang: str
    question: str
    answerable: bool
    gold: list[str]
    doc: str | None = None  # file name of the document asked about, when the index holds several


@dataclass
class Miss:
    id: str
    question: str
    expected: list[str]
    got: str  # the first citation, or "(abstained)" detail
    rank: int | None  # rank of the first gold sentence within RANK_DEPTH, None if absent
    answered: bool


@dataclass
class LanguageReport:
    answerable: int = 0
    unanswerable: int = 0
    hit1: float = 0.0
    hit3: float = 0.0
    mrr: float = 0.0
    answered_rate: float = 0.0  # on answerable questions: how often we did answer
    abstain_rate: float = 0.0  # on unanswerable questions: how often we said the article does not say


@dataclass
class CalibrationBin:
    low: float
    high: float
    count: int
    confidence: float  # mean confidence in the bin
    accuracy: float  # how often the first citation answered


@dataclass
class Report:
    languages: dict[str, LanguageReport]
    misses: list[Miss] = field(default_factory=list)
    ece: float = 0.0  # expected calibration error of `confidence`
    calibration: list[CalibrationBin] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def load_questions(path: str | Path) -> list[Question]:
    return _load_jsonl(path, "question", _question)


def _question(row: dict) -> Question:
    return Question(
        str(row["id"]),
        row["lang"],
        row["question"],
        bool(row["answerable"]),
        list(row.get("gold", [])),
        row.get("doc"),
    )


def _load_jsonl(path: str | Path, what: str, parse: Callable[[dict], T]) -> list[T]:
    """One `parse(row)` per non-blank line of a JSONL file; QAError naming the file (and line) for anything wrong."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise QAError(f"cannot read {what} file {path}: {exc}") from None
    items = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            items.append(parse(json.loads(line)))
        except (ValueError, KeyError, TypeError) as exc:
            raise QAError(f"{path}:{number}: not a {what} line ({exc})") from None
    if not items:
        raise QAError(f"{what} file has no {what}s: {path}")
    return items


def document_id(retriever: Retriever, doc: str | None) -> str | None:
    """The id of the indexed document whose source file is named `doc` (None: the whole index)."""
    if doc is None:
        return None
    for entry in retriever.documents:
        if Path(entry.source).name == doc or entry.id == doc:
            return entry.id
    raise QAError(f"no document {doc!r} in the index; it holds: {', '.join(d.id for d in retriever.documents)}")


def _squash(text: str) -> str:
    return " ".join(text.split())


def gold_ids(retriever: Retriever, question: Question) -> set[int]:
    """Index rows of the sentences that hold a gold substring (within the question's document)."""
    rows = retriever.rows(document_id(retriever, question.doc))
    return gold_rows(retriever, rows, question.gold, f"question {question.id}")


def calibration(pairs: list[tuple[float, bool]], bins: int = CALIBRATION_BINS) -> tuple[float, list[CalibrationBin]]:
    """Expected calibration error and the reliability table of (confidence, correct) pairs."""
    table = []
    ece = 0.0
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        inside = [(c, ok) for c, ok in pairs if low <= c < high or (b == bins - 1 and c == 1.0)]
        if not inside:
            continue
        confidence = sum(c for c, _ in inside) / len(inside)
        accuracy = sum(ok for _, ok in inside) / len(inside)
        ece += len(inside) / len(pairs) * abs(confidence - accuracy)
        table.append(CalibrationBin(low, high, len(inside), round(confidence, 4), round(accuracy, 4)))
    return round(ece, 4), table


def evaluate(retriever: Retriever, questions: list[Question], k: int = 3, *, whole_library: bool = False) -> Report:
    """hit@1/hit@3/MRR, answered and abstained per language. Each question is asked of its document ("doc"), or
    with `whole_library` of every document at once (a citation from another document is a miss)."""
    per_lang: dict[str, dict[str, list[float]]] = {}
    misses = []
    pairs: list[tuple[float, bool]] = []
    for q in questions:
        stats = per_lang.setdefault(q.lang, {"hit1": [], "hit3": [], "rr": [], "answered": [], "abstained": []})
        asked = None if whole_library else document_id(retriever, q.doc)
        answer = retriever.ask(q.question, k=max(k, RANK_DEPTH), document=asked)
        if not q.answerable:
            pairs.append((answer.confidence, False))
            stats["abstained"].append(float(not answer.answered))
            if answer.answered:
                misses.append(Miss(q.id, q.question, [], answer.citations[0].text, None, True))
            continue
        wanted = gold_ids(retriever, q)
        ranked = [_row(retriever, c) for c in answer.citations]
        rank = next((r for r, row in enumerate(ranked, 1) if row in wanted), None)
        pairs.append((answer.confidence, rank == 1))
        stats["hit1"].append(float(rank == 1))
        stats["hit3"].append(float(rank is not None and rank <= 3))
        stats["rr"].append(1.0 / rank if rank else 0.0)
        stats["answered"].append(float(answer.answered))
        if rank != 1 or not answer.answered:
            misses.append(Miss(q.id, q.question, q.gold, answer.citations[0].text, rank, answer.answered))
    languages = {}
    for lang, s in sorted(per_lang.items()):
        languages[lang] = LanguageReport(
            answerable=len(s["hit1"]),
            unanswerable=len(s["abstained"]),
            hit1=_mean(s["hit1"]),
            hit3=_mean(s["hit3"]),
            mrr=_mean(s["rr"]),
            answered_rate=_mean(s["answered"]),
            abstain_rate=_mean(s["abstained"]),
        )
    ece, table = calibration(pairs)
    return Report(languages, misses, ece, table)


def _row(retriever: Retriever, citation) -> int:
    """The index row a citation came from: its document's first row plus its sentence id."""
    return retriever.index.manifest.document(citation.document_id).first + citation.sentence_id


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0


def report_text(report: Report) -> str:
    lines = [f"{'lang':<5}{'n':>4}{'hit@1':>7}{'hit@3':>7}{'MRR':>7}{'answered':>10}{'n_unans':>8}{'abstain':>9}"]
    for lang, r in report.languages.items():
        lines.append(
            f"{lang:<5}{r.answerable:>4}{r.hit1:>7.2f}{r.hit3:>7.2f}{r.mrr:>7.2f}"
            f"{r.answered_rate:>10.2f}{r.unanswerable:>8}{r.abstain_rate:>9.2f}"
        )
    lines.append(f"\nconfidence: expected calibration error {report.ece:.3f}")
    lines.append(f"  {'bin':<11}{'n':>5}{'confidence':>12}{'accuracy':>10}")
    for b in report.calibration:
        lines.append(f"  {b.low:.1f}–{b.high:.1f}   {b.count:>5}{b.confidence:>12.2f}{b.accuracy:>10.2f}")
    if report.misses:
        lines.append(f"\nmisses ({len(report.misses)}):")
        for m in report.misses:
            where = "abstained" if not m.answered else f"rank {m.rank}" if m.rank else "not in top 10"
            if not m.expected:
                where = "answered an unanswerable question"
            lines.append(f"  {m.id} [{where}] {m.question}\n      got: {m.got[:100]}")
    return "\n".join(lines)


@dataclass
class Ablation:
    """The same questions with every channel, then with each channel switched off in turn."""

    reports: dict[str, Report]  # "all channels", "without dense", ...

    def to_dict(self) -> dict:
        return {name: report.to_dict() for name, report in self.reports.items()}


def ablation(retriever: Retriever, questions: list[Question], k: int = 3, *, whole_library: bool = False) -> Ablation:
    """evaluate() with every channel the Retriever runs, then once without each (abstention then uses the fit for
    that set of channels: benchmarks/fit_abstention.py fits each)."""
    reports = {"all channels": evaluate(retriever, questions, k, whole_library=whole_library)}
    for channel in sorted(retriever.active):
        without = Retriever(retriever.index, retriever.embedder, retriever.channels - {channel})
        reports[f"without {channel}"] = evaluate(without, questions, k, whole_library=whole_library)
    return Ablation(reports)


def ablation_text(result: Ablation) -> str:
    head = f"{'channels':<18}{'lang':<5}{'n':>4}{'hit@1':>7}{'hit@3':>7}{'MRR':>7}{'answered':>10}{'abstain':>9}"
    lines = [head]
    for name, report in result.reports.items():
        for lang, r in report.languages.items():
            lines.append(
                f"{name:<18}{lang:<5}{r.answerable:>4}{r.hit1:>7.2f}{r.hit3:>7.2f}{r.mrr:>7.2f}"
                f"{r.answered_rate:>10.2f}{r.abstain_rate:>9.2f}"
            )
    return "\n".join(lines)


# --- Dialogues: questions asked turn by turn with the conversation so far (qa.conversation) --------------------

DIALOGUE_KINDS = ("first", "follow-up", "new-topic")


@dataclass(frozen=True)
class DialogueTurn:
    lang: str
    question: str
    kind: str  # "first" | "follow-up" | "new-topic": how the question relates to the turn before
    answerable: bool
    gold: list[str]


@dataclass(frozen=True)
class Dialogue:
    id: str
    doc: str | None  # file name of the document talked about (None: the whole index)
    lang: str
    turns: list[DialogueTurn]


@dataclass
class DialogueCell:
    """One (turn kind, language) cell: the turns asked with their history, and the same questions asked alone."""

    turns: int = 0
    hit1: float = 0.0
    hit3: float = 0.0
    mrr: float = 0.0
    alone_hit1: float = 0.0
    alone_hit3: float = 0.0
    alone_mrr: float = 0.0
    # the baseline a reader must beat: the previous question put in front of this one, asked alone
    prepend_hit1: float = 0.0
    prepend_hit3: float = 0.0
    prepend_mrr: float = 0.0
    read_as: dict[str, int] = field(default_factory=dict)  # how the turns were read: alone / follow-up / more


@dataclass
class DialogueMiss:
    id: str  # dialogue id and turn number: "ddev-uk-003#2"
    kind: str
    question: str
    read_as: str
    rank: int | None  # with the history
    alone_rank: int | None  # asked alone


@dataclass
class DialogueReport:
    cells: dict[str, dict[str, DialogueCell]]  # kind -> language -> cell
    misses: list[DialogueMiss] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def load_dialogues(path: str | Path) -> list[Dialogue]:
    """Dialogues from JSONL, one a line: {"id", "doc", "lang", "turns": [{"lang", "question", "kind",
    "answerable", "gold"}]}; "doc" is a file name in the index ("article.txt" for the bundled article)."""
    return _load_jsonl(path, "dialogue", _dialogue)


def _dialogue(row: dict) -> Dialogue:
    turns = [
        DialogueTurn(t["lang"], t["question"], t["kind"], bool(t["answerable"]), list(t.get("gold", [])))
        for t in row["turns"]
    ]
    if not turns or any(t.kind not in DIALOGUE_KINDS for t in turns):
        raise ValueError(f"turns must be non-empty, each kind one of {', '.join(DIALOGUE_KINDS)}")
    return Dialogue(str(row["id"]), row.get("doc"), row["lang"], turns)


def gold_rows(retriever: Retriever, rows: range, gold: list[str], where: str) -> set[int]:
    """Rows holding a gold substring, whitespace collapsed; a gold text that the sentence splitter cut in two
    (". і .." read as a sentence end) counts each sentence it overlaps."""
    found: set[int] = set()
    for needle in gold:
        wanted = _squash(needle)
        hits = {r for r in rows if wanted in _squash(retriever.sentences[r].text)}
        if not hits:
            doc = retriever.sentences[rows.start].doc
            text = retriever.index.text_path(doc).read_text(encoding="utf-8")
            span = re.search(r"\s+".join(map(re.escape, needle.split())), text)
            if span:
                hits = {r for r in rows if _overlaps(retriever.sentences[r], span.start(), span.end())}
        if not hits:
            raise QAError(f"{where}: gold text is in no sentence of the document: {needle!r}")
        found |= hits
    return found


def _overlaps(sentence, start: int, end: int) -> bool:  # noqa: ANN001 - a qa.index.Row
    return sentence.start < end and sentence.end > start


def evaluate_dialogues(retriever: Retriever, dialogues: list[Dialogue], k: int = 3) -> DialogueReport:
    """Ask each dialogue turn by turn, each turn with the answers before it as history (each cut to the k
    citations a person would have seen), and each question once more alone; hit@1/hit@3/MRR per turn kind and
    language. Unanswerable turns are asked (they shape the history) but not scored."""
    from dataclasses import replace

    stats: dict[tuple[str, str], dict[str, list[float]]] = {}
    read_as: dict[tuple[str, str], dict[str, int]] = {}
    misses = []
    for dialogue in dialogues:
        doc_id = document_id(retriever, dialogue.doc)
        rows = retriever.rows(doc_id)
        history: list = []
        for n, turn in enumerate(dialogue.turns):
            answer = conversation.ask(retriever, turn.question, max(k, RANK_DEPTH), doc_id, history)
            history.append(replace(answer, citations=answer.citations[:k]))
            if not turn.answerable:
                continue
            alone = retriever.ask(turn.question, max(k, RANK_DEPTH), document=doc_id)
            joined = alone
            if n > 0:
                before = f"{dialogue.turns[n - 1].question} {turn.question}"[-MAX_QUESTION_CHARS:]
                joined = retriever.ask(before, max(k, RANK_DEPTH), document=doc_id)
            wanted = gold_rows(retriever, rows, turn.gold, f"dialogue {dialogue.id} turn {n}")
            rank, alone_rank = _rank(retriever, answer, wanted), _rank(retriever, alone, wanted)
            cell = stats.setdefault((turn.kind, turn.lang), {})
            for name, r in (("", rank), ("alone_", alone_rank), ("prepend_", _rank(retriever, joined, wanted))):
                cell.setdefault(f"{name}hit1", []).append(float(r == 1))
                cell.setdefault(f"{name}hit3", []).append(float(r is not None and r <= 3))
                cell.setdefault(f"{name}mrr", []).append(1.0 / r if r else 0.0)
            how = answer.reading.kind if answer.reading else "alone"
            counts = read_as.setdefault((turn.kind, turn.lang), {})
            counts[how] = counts.get(how, 0) + 1
            if rank is None or rank > 3 or (alone_rank is not None and alone_rank < rank):
                misses.append(DialogueMiss(f"{dialogue.id}#{n}", turn.kind, turn.question, how, rank, alone_rank))
    cells: dict[str, dict[str, DialogueCell]] = {}
    for (kind, lang), s in sorted(stats.items(), key=lambda item: (DIALOGUE_KINDS.index(item[0][0]), item[0][1])):
        means = {name: _mean(values) for name, values in s.items()}
        cells.setdefault(kind, {})[lang] = DialogueCell(len(s["hit1"]), **means, read_as=read_as[(kind, lang)])
    return DialogueReport(cells, misses)


def _rank(retriever: Retriever, answer: Answer, wanted: set[int]) -> int | None:
    ranked = [_row(retriever, c) for c in answer.citations]
    return next((r for r, row in enumerate(ranked, 1) if row in wanted), None)


def dialogue_report_text(report: DialogueReport) -> str:
    head = f"{'turns':<11}{'lang':<5}{'n':>4}{'hit@1':>7}{'hit@3':>7}{'MRR':>7}"
    lines = [f"{head}   {'alone: hit@1':>12}{'hit@3':>7}{'MRR':>7}   {'prepended: hit@1':>16}{'hit@3':>7}   read as"]
    for kind, languages in report.cells.items():
        for lang, c in languages.items():
            how = ", ".join(f"{name} {count}" for name, count in c.read_as.items())
            lines.append(
                f"{kind:<11}{lang:<5}{c.turns:>4}{c.hit1:>7.2f}{c.hit3:>7.2f}{c.mrr:>7.2f}   "
                f"{c.alone_hit1:>12.2f}{c.alone_hit3:>7.2f}{c.alone_mrr:>7.2f}   "
                f"{c.prepend_hit1:>16.2f}{c.prepend_hit3:>7.2f}   {how}"
            )
    if report.misses:
        lines.append(f"\nmisses at 3, or worse than alone ({len(report.misses)}):")
        for m in report.misses:
            rank = f"rank {m.rank}" if m.rank else "not in top 10"
            alone = f"alone {m.alone_rank}" if m.alone_rank else "alone not in top 10"
            lines.append(f"  {m.id} {m.kind} read as {m.read_as} [{rank}; {alone}] {m.question}")
    return "\n".join(lines)
