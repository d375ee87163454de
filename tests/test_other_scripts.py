"""Documents in scripts written without spaces (Japanese, Chinese): indexed, cited and asked like any other.

They used to be refused as having "no main text": the page's text was counted in space-separated words (a
Japanese paragraph is one) and its sentences were not seen to end (。 is not "."). The sentences are pysbd's, which
ends them at 。！？ as at .!? (qa.sources.segment).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from qa.messages import t
from qa.sources import load_source

QA = Path(sys.executable).with_name("qa")
FOOTER = "<footer>All rights reserved.</footer></body></html>"


def _page(title: str, paragraphs: list[str], lang: str) -> str:
    body = "".join(f"<h2>{p[1:]}</h2>" if p.startswith("#") else f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title></head><body>'
        f'<nav><a href="/">Home</a> <a href="/news">News</a></nav><article><h1>{title}</h1>{body}</article>{FOOTER}'
    )


TOKYO_HEIGHT = "高さは333メートルで、当時は世界一高い自立式鉄塔だった。"
TOKYO = [
    "東京タワーは1958年に完成した電波塔である。" + TOKYO_HEIGHT,
    "設計は内藤多仲が担当した。建設には約1年半かかり、延べ22万人が工事に参加した。",
    "#展望台",
    "地上150メートルにメインデッキがある。晴れた日には富士山が見える。",
    "毎年約300万人の観光客が訪れる。夜にはライトアップされる。",
]
PEARL_BUILT = "东方明珠电视塔位于上海浦东，于1994年建成。"
PEARL = [
    PEARL_BUILT + "塔高468米，曾是亚洲最高的电视塔。",
    "电视塔由华东建筑设计研究院设计。建设共用了三年时间。",
    "#观光层",
    "观光层位于263米高处。天气晴朗时可以看到整个上海。",
]


def _write(tmp_path: Path) -> tuple[Path, Path]:
    tokyo, pearl = tmp_path / "tokyo.html", tmp_path / "pearl.html"
    tokyo.write_text(_page("東京タワー", TOKYO, "ja"), encoding="utf-8")
    pearl.write_text(_page("东方明珠电视塔", PEARL, "zh"), encoding="utf-8")
    return tokyo, pearl


def test_japanese_and_chinese_pages_are_read_into_sentences(tmp_path):
    tokyo, pearl = _write(tmp_path)
    doc = load_source(tokyo)
    assert doc.language == "ja" and doc.title == "東京タワー"
    first = "東京タワーは1958年に完成した電波塔である。"
    assert [s.text for s in doc.sentences][:3] == ["東京タワー", first, TOKYO_HEIGHT]
    assert [doc.text[b.start : b.end] for b in doc.paragraphs if b.kind == "heading"] == ["東京タワー", "展望台"]
    assert all(doc.text[s.start : s.end] == s.text for s in doc.sentences)
    doc = load_source(pearl)
    assert doc.language == "zh" and PEARL_BUILT in [s.text for s in doc.sentences]


def test_a_japanese_page_is_indexed_and_answers_a_japanese_question(tmp_path):
    tokyo, pearl = _write(tmp_path)
    env = {**os.environ, "QA_INDEX_DIR": str(tmp_path / "index")}
    build = subprocess.run([str(QA), "index", "build", "--source", str(tokyo), "--source", str(pearl)],
                           capture_output=True, text=True, env=env)  # fmt: skip
    assert build.returncode == 0, build.stderr
    assert build.stdout.startswith("Indexed 2 documents, ")
    asked = subprocess.run([str(QA), "ask", "東京タワーの高さは何メートルですか？", "-k", "2", "--json"],
                           capture_output=True, text=True, env=env)  # fmt: skip
    answer = json.loads(asked.stdout)
    assert answer["language"] == "ja" and TOKYO_HEIGHT in [c["text"] for c in answer["citations"]]
    asked = subprocess.run([str(QA), "ask", "东方明珠电视塔是哪一年建成的？", "-k", "1"], capture_output=True,
                           text=True, env=env)  # fmt: skip
    lines = asked.stdout.splitlines()
    assert lines[0] == t("answer.other_language", "en", language="Chinese")  # replies are framed in en/uk/ru
    assert lines[2] == f"[1] {PEARL_BUILT}"
