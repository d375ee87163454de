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
from dataclasses import asdict, dataclass, field
from pathlib import Path

from qa.errors import QAError
from qa.retrieve import Retriever

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
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise QAError(f"cannot read question file {path}: {exc}") from None
    questions = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            questions.append(
                Question(
                    str(row["id"]),
                    row["lang"],
                    row["question"],
                    bool(row["answerable"]),
                    list(row.get("gold", [])),
                    row.get("doc"),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise QAError(f"{path}:{number}: not a question line ({exc})") from None
    if not questions:
        raise QAError(f"question file has no questions: {path}")
    return questions


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
    ids = set()
    for needle in question.gold:
        wanted = _squash(needle)
        found = {r for r in rows if wanted in _squash(retriever.sentences[r].text)}
        if not found:
            raise QAError(f"question {question.id}: gold text is in no sentence of the index: {needle!r}")
        ids |= found
    return ids


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


def evaluate(retriever: Retriever, questions: list[Question], k: int = 3) -> Report:
    per_lang: dict[str, dict[str, list[float]]] = {}
    misses = []
    pairs: list[tuple[float, bool]] = []
    for q in questions:
        stats = per_lang.setdefault(q.lang, {"hit1": [], "hit3": [], "rr": [], "answered": [], "abstained": []})
        answer = retriever.ask(q.question, k=max(k, RANK_DEPTH), document=document_id(retriever, q.doc))
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
