#!/usr/bin/env python3
"""Validate the cross-lingual question and dialogue sets.

    python tests/data/check_crosslingual.py [FILE.jsonl ...]

Without arguments every ``tests/data/crosslingual_*.jsonl`` is checked.  A file whose
name contains ``dialogues`` is read as dialogues, any other as single questions.
The split (``dev`` / ``test``) comes from the file name (``..._dev.jsonl``).

Checks, for questions: the fields and their types, the id pattern
``x<split>-<doc stem without split prefix>-<lang>-NNN``, unique ids, that ``doc`` is a
``<split>-*`` file in ``docs/``, ``answerable`` agrees with ``gold``, and per document ×
question language at least 10 answerable and 5 unanswerable questions, with all three
languages present for every document.  For dialogues: ids ``xd<split>-<lang>-NNN``, 12
dialogues per language, 3–4 turns, turn 1 of kind ``first`` in the dialogue's language,
later turns ``follow-up`` or ``new-topic``.

Every gold substring: 20–70 characters, no leading/trailing or doubled whitespace,
occurs exactly once in its document once whitespace is collapsed (runs of spaces, tabs
and line breaks count as one space), not in a manual page's header or footer line, and
its place in the raw file neither crosses a blank line nor a word hyphenated at a line
end (``ex‐`` / ``ex-`` followed by a line break).

Exit status 0 when everything passes, 1 otherwise.
"""

from __future__ import annotations

import collections
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOCS = HERE / "docs"
LANGS = ("en", "uk", "ru")
KINDS = ("first", "follow-up", "new-topic")
MIN_ANSWERABLE, MIN_UNANSWERABLE = 10, 5
DIALOGUES_PER_LANG = 12
GOLD_MIN, GOLD_MAX = 20, 70

HYPHEN_BREAK = re.compile(r"\w[\u2010\-][ \t]*\n")
BLANK_LINE = re.compile(r"\n[ \t]*\n")


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text)


class Doc:
    def __init__(self, path: Path):
        self.name = path.name
        self.raw = path.read_text(encoding="utf-8")
        self.flat = collapse(self.raw)
        lines = self.raw.splitlines()
        if "-man-" in path.name:
            nonempty = [i for i, line in enumerate(lines) if line.strip()]
            drop = {nonempty[0], nonempty[-1]} if nonempty else set()
            body = "\n".join(line for i, line in enumerate(lines) if i not in drop)
        else:
            body = self.raw
        self.body_flat = collapse(body)

    def gold_problems(self, gold) -> list[str]:
        if not isinstance(gold, str):
            return [f"gold is not a string: {gold!r}"]
        out = []
        if not GOLD_MIN <= len(gold) <= GOLD_MAX:
            out.append(f"gold length {len(gold)} outside {GOLD_MIN}-{GOLD_MAX}: {gold!r}")
        if gold != collapse(gold).strip():
            out.append(f"gold has leading/trailing/doubled whitespace: {gold!r}")
            return out
        n = self.flat.count(gold)
        if n != 1:
            out.append(f"gold occurs {n} times in {self.name}: {gold!r}")
            return out
        if self.body_flat.count(gold) != 1:
            out.append(f"gold lies in the header/footer of {self.name}: {gold!r}")
        pattern = r"\s+".join(re.escape(tok) for tok in gold.split(" "))
        m = re.search(pattern, self.raw)
        if m is None:  # cannot happen when the flat count is 1, but be safe
            out.append(f"gold not found in raw {self.name}: {gold!r}")
            return out
        span = m.group(0)
        if HYPHEN_BREAK.search(span):
            out.append(f"gold crosses a hyphenated line break in {self.name}: {gold!r}")
        if BLANK_LINE.search(span):
            out.append(f"gold crosses a blank line in {self.name}: {gold!r}")
        return out


_docs: dict[str, Doc] = {}


def get_doc(name: str) -> Doc | None:
    if name not in _docs:
        path = DOCS / name
        if not path.is_file() or "/" in name:
            return None
        _docs[name] = Doc(path)
    return _docs[name]


def split_of(path: Path) -> str | None:
    m = re.search(r"_(dev|test)\.jsonl$", path.name)
    return m.group(1) if m else None


def check_answer(where: str, obj: dict, doc: Doc, errors: list[str]) -> None:
    if not isinstance(obj.get("question"), str) or not obj["question"].strip():
        errors.append(f"{where}: empty or non-string question")
    if obj.get("lang") not in LANGS:
        errors.append(f"{where}: lang {obj.get('lang')!r} not in {LANGS}")
    ans, gold = obj.get("answerable"), obj.get("gold")
    if not isinstance(ans, bool):
        errors.append(f"{where}: answerable is not a boolean")
    if not isinstance(gold, list):
        errors.append(f"{where}: gold is not a list")
        return
    if ans is True and not gold:
        errors.append(f"{where}: answerable but gold is empty")
    if ans is False and gold:
        errors.append(f"{where}: unanswerable but gold is not empty")
    if len(set(gold)) != len(gold):
        errors.append(f"{where}: repeated gold")
    for g in gold:
        errors.extend(f"{where}: {p}" for p in doc.gold_problems(g))


def read_jsonl(path: Path, errors: list[str]) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            errors.append(f"{path.name}:{n}: blank line")
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"{path.name}:{n}: bad JSON: {exc}")
            continue
        if not isinstance(obj, dict):
            errors.append(f"{path.name}:{n}: not an object")
            continue
        if json.dumps(obj, ensure_ascii=False) != line:
            errors.append(f"{path.name}:{n}: not written with json.dumps(..., ensure_ascii=False)")
        rows.append(obj)
    return rows


def check_questions(path: Path, split: str, errors: list[str]) -> list[str]:
    rows = read_jsonl(path, errors)
    fields = {"id", "doc", "lang", "question", "answerable", "gold"}
    seen_ids, seen_q = set(), set()
    counts: dict[tuple[str, str], list[int]] = collections.defaultdict(lambda: [0, 0])
    for obj in rows:
        where = f"{path.name}:{obj.get('id')}"
        if set(obj) != fields:
            errors.append(f"{where}: fields {sorted(obj)} != {sorted(fields)}")
            continue
        if obj["id"] in seen_ids:
            errors.append(f"{where}: duplicate id")
        seen_ids.add(obj["id"])
        key_q = (obj["doc"], obj["question"].strip().lower())
        if key_q in seen_q:
            errors.append(f"{where}: duplicate question for this document")
        seen_q.add(key_q)
        name = obj["doc"]
        if not isinstance(name, str) or not name.startswith(f"{split}-"):
            errors.append(f"{where}: doc {name!r} is not a {split}-* document")
            continue
        doc = get_doc(name)
        if doc is None:
            errors.append(f"{where}: no document docs/{name}")
            continue
        stem = Path(name).stem[len(split) + 1 :]
        if not re.fullmatch(rf"x{split}-{re.escape(stem)}-{obj['lang']}-\d{{3}}", str(obj["id"])):
            errors.append(f"{where}: id does not match x{split}-{stem}-{obj['lang']}-NNN")
        check_answer(where, obj, doc, errors)
        if obj["lang"] in LANGS:
            counts[(name, obj["lang"])][0 if obj["answerable"] else 1] += 1
    report = [f"{path.name}: {len(rows)} questions"]
    for name in sorted({d for d, _ in counts}):
        cells = []
        for lang in LANGS:
            a, u = counts.get((name, lang), (0, 0))
            cells.append(f"{lang} {a}/{u}")
            if a < MIN_ANSWERABLE or u < MIN_UNANSWERABLE:
                errors.append(
                    f"{path.name}: {name} × {lang}: {a} answerable / {u} unanswerable, "
                    f"need ≥{MIN_ANSWERABLE}/≥{MIN_UNANSWERABLE}"
                )
        report.append(f"  {name:32s} " + "   ".join(cells) + "   (answerable/unanswerable)")
    tot_a = sum(c[0] for c in counts.values())
    tot_u = sum(c[1] for c in counts.values())
    report.append(f"  total: {tot_a} answerable, {tot_u} unanswerable")
    return report


def check_dialogues(path: Path, split: str, errors: list[str]) -> list[str]:
    rows = read_jsonl(path, errors)
    fields = {"id", "doc", "lang", "turns"}
    turn_fields = {"lang", "question", "kind", "answerable", "gold"}
    seen = set()
    per_lang = collections.Counter()
    kinds = collections.Counter()
    per_doc = collections.Counter()
    switching = 0
    n_turns = 0
    for obj in rows:
        where = f"{path.name}:{obj.get('id')}"
        if set(obj) != fields:
            errors.append(f"{where}: fields {sorted(obj)} != {sorted(fields)}")
            continue
        if obj["id"] in seen:
            errors.append(f"{where}: duplicate id")
        seen.add(obj["id"])
        m = re.fullmatch(rf"xd{split}-(en|uk|ru)-\d{{3}}", str(obj["id"]))
        if not m:
            errors.append(f"{where}: id does not match xd{split}-<lang>-NNN")
        elif m.group(1) != obj["lang"]:
            errors.append(f"{where}: id language differs from lang {obj['lang']!r}")
        per_lang[obj["lang"]] += 1
        name = obj["doc"]
        if not isinstance(name, str) or not name.startswith(f"{split}-"):
            errors.append(f"{where}: doc {name!r} is not a {split}-* document")
            continue
        doc = get_doc(name)
        if doc is None:
            errors.append(f"{where}: no document docs/{name}")
            continue
        per_doc[name] += 1
        turns = obj["turns"]
        if not isinstance(turns, list) or not 3 <= len(turns) <= 4:
            errors.append(f"{where}: needs 3–4 turns")
            continue
        langs = set()
        for i, turn in enumerate(turns):
            twhere = f"{where} turn {i + 1}"
            if not isinstance(turn, dict) or set(turn) != turn_fields:
                errors.append(f"{twhere}: fields must be {sorted(turn_fields)}")
                continue
            n_turns += 1
            kinds[turn["kind"]] += 1
            langs.add(turn["lang"])
            if turn["kind"] not in KINDS:
                errors.append(f"{twhere}: kind {turn['kind']!r} not in {KINDS}")
            if (i == 0) != (turn["kind"] == "first"):
                errors.append(f"{twhere}: only turn 1 is (and must be) of kind 'first'")
            if i == 0 and turn["lang"] != obj["lang"]:
                errors.append(f"{twhere}: first turn's lang differs from the dialogue's")
            check_answer(twhere, turn, doc, errors)
        if len(langs) > 1:
            switching += 1
    for lang in LANGS:
        if per_lang[lang] != DIALOGUES_PER_LANG:
            errors.append(f"{path.name}: {per_lang[lang]} dialogues in {lang}, need {DIALOGUES_PER_LANG}")
    report = [
        f"{path.name}: {len(rows)} dialogues ("
        + ", ".join(f"{lang} {per_lang[lang]}" for lang in LANGS)
        + f"), {n_turns} turns ("
        + ", ".join(f"{k} {kinds[k]}" for k in KINDS)
        + f"), {switching} switch language"
    ]
    report.append("  per document: " + ", ".join(f"{d} {c}" for d, c in sorted(per_doc.items())))
    return report


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted(HERE.glob("crosslingual_*.jsonl"))
    if not paths:
        print("no crosslingual_*.jsonl files found")
        return 1
    errors: list[str] = []
    report: list[str] = []
    for path in paths:
        split = split_of(path)
        if split is None:
            errors.append(f"{path}: cannot tell the split from the file name (*_dev.jsonl / *_test.jsonl)")
            continue
        if "dialogues" in path.name:
            report += check_dialogues(path, split, errors)
        else:
            report += check_questions(path, split, errors)
    print("\n".join(report))
    for e in errors:
        print("ERROR", e)
    print("OK" if not errors else f"{len(errors)} error(s)")
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
