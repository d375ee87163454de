"""Every text the product says to a person, in English, Ukrainian and Russian.

Keys are dotted and grouped by where the text appears (answer.*, error.*, ui.*, language.*). Each text is
phrased the way a native speaker would say it rather than translated word for word; Ukrainian and Russian
use «» quotes and avoid putting a {field} where a number or name would have to be declined.
"""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    # --- answers
    "answer.lead": {
        "en": "From the article:",
        "uk": "Ось що сказано в статті:",
        "ru": "Вот что говорится в статье:",
    },
    "answer.not_found": {
        "en": "The article doesn’t say anything about this.",
        "uk": "У статті про це нічого не сказано.",
        "ru": "В статье об этом ничего не сказано.",
    },
    "answer.weak_lead": {
        "en": (
            "The article doesn’t seem to answer this. These are the closest sentences, "
            "but they are only loosely related, so judge for yourself:"
        ),
        "uk": (
            "Схоже, у статті немає відповіді на це запитання. Ось найближчі за змістом речення, "
            "але зв’язок у них слабкий, тож судіть самі:"
        ),
        "ru": (
            "Похоже, в статье нет ответа на этот вопрос. Вот самые близкие по смыслу предложения, "
            "но связь у них слабая, так что судите сами:"
        ),
    },
    "answer.other_language": {
        "en": (
            "Your question seems to be in {language}. Replies are framed in English, Ukrainian or Russian, "
            "so this one is in English."
        ),
        "uk": (
            "Схоже, ваше запитання написане іншою мовою ({language}). Ми відповідаємо англійською, "
            "українською або російською, тож цього разу — англійською."
        ),
        "ru": (
            "Похоже, ваш вопрос написан на другом языке ({language}). Мы отвечаем на английском, "
            "украинском или русском, поэтому на этот раз — на английском."
        ),
    },
    "answer.detected_language": {
        "en": "Detected language: {language}",
        "uk": "Мова запитання: {language}",
        "ru": "Язык вопроса: {language}",
    },
    "citation.paragraph": {
        "en": "paragraph {n}",
        "uk": "абзац {n}",
        "ru": "абзац {n}",
    },
    # How closely a quoted sentence bears on the question; the adjectives agree with "речення"/"предложение".
    "relevance.strong": {
        "en": "closely related",
        "uk": "тісно пов’язане",
        "ru": "тесно связано",
    },
    "relevance.moderate": {
        "en": "partly related",
        "uk": "частково пов’язане",
        "ru": "частично связано",
    },
    "relevance.weak": {
        "en": "loosely related",
        "uk": "віддалено пов’язане",
        "ru": "слабо связано",
    },
    # --- errors the asker can fix, and one they cannot
    "error.empty_question": {
        "en": "The question is empty. Type what you would like to know about the article.",
        "uk": "Запитання порожнє. Напишіть, що ви хочете дізнатися зі статті.",
        "ru": "Вопрос пустой. Напишите, что вы хотите узнать из статьи.",
    },
    # "символів: {length}" keeps the noun out of agreement with a number we do not know in advance.
    "error.question_too_long": {
        "en": "The question is too long: {length} characters, and the limit is {limit}. Please shorten it.",
        "uk": "Запитання задовге (символів: {length}, дозволено не більше ніж {limit}). Скоротіть його, будь ласка.",
        "ru": "Вопрос слишком длинный (символов: {length}, допустимо не больше {limit}). Сократите его, пожалуйста.",
    },
    "error.no_letters": {
        "en": "The question has no words to search for: emoji and punctuation alone can’t be looked up.",
        "uk": "У запитанні немає слів, за якими можна шукати: самих емодзі чи розділових знаків замало.",
        "ru": "В вопросе нет слов, по которым можно искать: одних эмодзи или знаков препинания мало.",
    },
    "error.internal": {
        "en": "Something went wrong on our side. Please try again.",
        "uk": "Щось пішло не так з нашого боку. Спробуйте ще раз.",
        "ru": "Что-то пошло не так на нашей стороне. Попробуйте ещё раз.",
    },
    # --- web page
    "ui.title": {
        "en": "Ask the article",
        "uk": "Запитання до статті",
        "ru": "Вопросы к статье",
    },
    "ui.subtitle": {
        "en": "Ask in English, Ukrainian or Russian: the answer quotes the article’s own sentences.",
        "uk": "Запитуйте англійською, українською чи російською — у відповідь отримаєте цитати зі статті.",
        "ru": "Спрашивайте на английском, украинском или русском — в ответ вы получите цитаты из статьи.",
    },
    "ui.placeholder": {
        "en": "Type your question…",
        "uk": "Напишіть своє запитання…",
        "ru": "Напишите свой вопрос…",
    },
    "ui.submit": {
        "en": "Ask",
        "uk": "Запитати",
        "ru": "Спросить",
    },
    "ui.clear": {
        "en": "Clear",
        "uk": "Очистити",
        "ru": "Очистить",
    },
    "ui.examples": {
        "en": "Try asking",
        "uk": "Спробуйте запитати",
        "ru": "Попробуйте спросить",
    },
    "ui.k_label": {
        "en": "How many sentences to quote",
        "uk": "Скільки речень цитувати",
        "ru": "Сколько предложений цитировать",
    },
    "ui.article_heading": {
        "en": "The article",
        "uk": "Стаття",
        "ru": "Статья",
    },
    "ui.legend": {
        "en": "Highlighted sentences are the ones quoted in the answer, numbered like its markers [1], [2]…",
        "uk": "Виділено речення, процитовані у відповіді; номери ті самі, що й у позначках [1], [2]…",
        "ru": "Выделены предложения, процитированные в ответе; номера те же, что и в метках [1], [2]…",
    },
    "ui.chat_label": {
        "en": "Conversation",
        "uk": "Розмова",
        "ru": "Диалог",
    },
    "ui.chat_placeholder": {
        "en": "Ask anything about the article, or pick an example below.",
        "uk": "Запитайте будь-що про статтю або виберіть приклад нижче.",
        "ru": "Спросите что угодно о статье или выберите пример ниже.",
    },
    # After the first characters of a very long question shown in the chat.
    "ui.question_truncated": {
        "en": "({count} more characters not shown)",
        "uk": "(не показано символів: {count})",
        "ru": "(не показано символов: {count})",
    },
    # For programs calling the /ask endpoint with a bad k.
    "error.bad_k": {
        "en": "k must be a whole number from 1 to {limit}.",
        "uk": "k має бути цілим числом від 1 до {limit}.",
        "ru": "k должно быть целым числом от 1 до {limit}.",
    },
    # --- example questions: the page shows each in one language (qa.web.EXAMPLES); all three read naturally
    "example.biden": {
        "en": "What did Biden say to the citizens of Russia?",
        "uk": "Що Байден сказав громадянам Росії?",
        "ru": "Что Байден сказал гражданам России?",
    },
    "example.casualties": {
        "en": "How many Russian soldiers have been killed?",
        "uk": "Скільки російських солдатів загинуло?",
        "ru": "Сколько российских солдат погибло?",
    },
    "example.klitschko": {
        "en": "What did the mayor of Kyiv tell Russian soldiers?",
        "uk": "Що мер Києва сказав російським солдатам?",
        "ru": "Что мэр Киева сказал российским солдатам?",
    },
    "example.soldier_letter": {
        "en": "What did a Russian soldier write to his mother?",
        "uk": "Що російський солдат написав мамі?",
        "ru": "Что российский солдат написал маме?",
    },
    "example.zelensky": {
        "en": "What did Zelensky say to Russians?",
        "uk": "Що Зеленський сказав росіянам?",
        "ru": "Что Зеленский сказал россиянам?",
    },
    "example.protests": {
        "en": "How many people have been detained at protests?",
        "uk": "Скільки людей затримали на протестах?",
        "ru": "Сколько людей задержали на протестах?",
    },
    # --- language names, as they stand alone ("Мова запитання: українська")
    "language.en": {"en": "English", "uk": "англійська", "ru": "английский"},
    "language.uk": {"en": "Ukrainian", "uk": "українська", "ru": "украинский"},
    "language.ru": {"en": "Russian", "uk": "російська", "ru": "русский"},
    # Languages the detector names most often besides ours, for "Your question seems to be in German".
    "language.de": {"en": "German", "uk": "німецька", "ru": "немецкий"},
    "language.fr": {"en": "French", "uk": "французька", "ru": "французский"},
    "language.es": {"en": "Spanish", "uk": "іспанська", "ru": "испанский"},
    "language.it": {"en": "Italian", "uk": "італійська", "ru": "итальянский"},
    "language.pt": {"en": "Portuguese", "uk": "португальська", "ru": "португальский"},
    "language.pl": {"en": "Polish", "uk": "польська", "ru": "польский"},
    "language.cs": {"en": "Czech", "uk": "чеська", "ru": "чешский"},
    "language.nl": {"en": "Dutch", "uk": "нідерландська", "ru": "нидерландский"},
    "language.bg": {"en": "Bulgarian", "uk": "болгарська", "ru": "болгарский"},
    "language.be": {"en": "Belarusian", "uk": "білоруська", "ru": "белорусский"},
    "language.mk": {"en": "Macedonian", "uk": "македонська", "ru": "македонский"},
    "language.sr": {"en": "Serbian", "uk": "сербська", "ru": "сербский"},
    "language.tr": {"en": "Turkish", "uk": "турецька", "ru": "турецкий"},
}

_LANGS = ("en", "uk", "ru")


def t(key: str, lang: str, **fields: object) -> str:
    """The text for `key` in `lang` (en, uk or ru; any other language gets English), `fields` filled in.

    Raises KeyError for an unknown key, or for a field the text needs but was not given.
    """
    texts = MESSAGES[key]
    return texts[lang if lang in _LANGS else "en"].format(**fields)


def language_name(code: str, lang: str) -> str:
    """The name of language `code` in `lang`: "Ukrainian", "українська", "украинский"; unknown codes as is."""
    key = f"language.{code}"
    return t(key, lang) if key in MESSAGES else code
