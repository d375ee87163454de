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
    # --- conversation (qa.conversation, qa.reply, `qa chat`): how a question was read against the earlier ones
    "answer.follow_up": {
        "en": "Reading this as a follow-up to “{question}”.",
        "uk": "Розумію це як уточнення до запитання «{question}».",
        "ru": "Понимаю это как уточнение к вопросу «{question}».",
    },
    "answer.more": {
        "en": "More sentences for “{question}”, besides those already quoted.",
        "uk": "Ще речення до запитання «{question}», крім уже процитованих.",
        "ru": "Ещё предложения по вопросу «{question}», кроме уже процитированных.",
    },
    "answer.more_lead": {
        "en": "The next closest sentences:",
        "uk": "Наступні найближчі речення:",
        "ru": "Следующие ближайшие предложения:",
    },
    "answer.no_more": {
        "en": "That’s all the article has on this: everything related has been quoted already.",
        "uk": "Більше про це в статті нічого немає: усе пов’язане вже процитовано.",
        "ru": "Больше об этом в статье ничего нет: всё связанное уже процитировано.",
    },
    "chat.welcome": {
        "en": (
            "Ask in English, Ukrainian or Russian. Follow-up questions work, and “more” shows further sentences. "
            "Ctrl-D quits."
        ),
        "uk": (
            "Запитуйте англійською, українською чи російською. Можна ставити уточнювальні запитання, а «ще» "
            "покаже інші речення. Ctrl-D — вихід."
        ),
        "ru": (
            "Спрашивайте на английском, украинском или русском. Можно задавать уточняющие вопросы, а «ещё» "
            "покажет другие предложения. Ctrl-D — выход."
        ),
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
    # --- web app: the library panel, the document picker, examples for any document, and the HTTP API (qa.web)
    "ui.picker_label": {
        "en": "Where to look",
        "uk": "Де шукати",
        "ru": "Где искать",
    },
    "ui.all_documents": {
        "en": "All articles",
        "uk": "Усі статті",
        "ru": "Все статьи",
    },
    "ui.library_heading": {
        "en": "Use another article",
        "uk": "Додати іншу статтю",
        "ru": "Добавить другую статью",
    },
    "ui.library_hint": {
        "en": (
            "Add a file (.txt, .md or .html, up to 5 MB), pasted text or a web page. It joins the library, "
            "and the app keeps answering while it is being read."
        ),
        "uk": (
            "Додайте файл (.txt, .md чи .html, до 5 МБ), вставте текст або вкажіть адресу сторінки. Стаття "
            "з’явиться в бібліотеці, а поки вона обробляється, застосунок і далі відповідає."
        ),
        "ru": (
            "Добавьте файл (.txt, .md или .html, до 5 МБ), вставьте текст или укажите адрес страницы. Статья "
            "появится в библиотеке, а пока она обрабатывается, приложение продолжает отвечать."
        ),
    },
    "ui.source_file": {"en": "File", "uk": "Файл", "ru": "Файл"},
    "ui.source_text": {"en": "Text", "uk": "Текст", "ru": "Текст"},
    "ui.source_url": {"en": "Web page", "uk": "Вебсторінка", "ru": "Веб-страница"},
    "ui.file_label": {
        "en": "A .txt, .md or .html file",
        "uk": "Файл .txt, .md чи .html",
        "ru": "Файл .txt, .md или .html",
    },
    "ui.text_placeholder": {
        "en": "Paste the article’s text here…",
        "uk": "Вставте сюди текст статті…",
        "ru": "Вставьте сюда текст статьи…",
    },
    "ui.text_title": {
        "en": "Title (optional)",
        "uk": "Назва (необов’язково)",
        "ru": "Название (необязательно)",
    },
    "ui.url_placeholder": {
        "en": "Web address: https://…",
        "uk": "Адреса сторінки: https://…",
        "ru": "Адрес страницы: https://…",
    },
    "ui.add_button": {
        "en": "Add to the library",
        "uk": "Додати до бібліотеки",
        "ru": "Добавить в библиотеку",
    },
    "ui.cancel_add": {
        "en": "Cancel",
        "uk": "Скасувати",
        "ru": "Отменить",
    },
    # {source} below is a file name in quotes, a web address, or library.pasted; it opens the sentence in uk/ru
    # ("{source}: …") so that nothing has to agree with it.
    "library.pasted": {
        "en": "the pasted text",
        "uk": "вставлений текст",
        "ru": "вставленный текст",
    },
    # Where an uploaded document came from, above it in the document panel: {name} is the file's name.
    "library.uploaded": {
        "en": "uploaded file {name}",
        "uk": "завантажений файл {name}",
        "ru": "загруженный файл {name}",
    },
    "library.waiting": {
        "en": "Another article is being added first; {source} is next…",
        "uk": "Спершу додається інша стаття; {source} — наступна…",
        "ru": "Сначала добавляется другая статья; {source} — следующая…",
    },
    "library.reading": {
        "en": "Reading {source}…",
        "uk": "Читаємо {source}…",
        "ru": "Читаем {source}…",
    },
    "library.embedding": {
        "en": "Indexing {source}: {done} of {total} passages",
        "uk": "Індексуємо {source} (фрагментів: {done} з {total})",
        "ru": "Индексируем {source} (фрагментов: {done} из {total})",
    },
    # While a document waits for the documents before it: {place} is "2nd" in English, a number in uk/ru.
    "library.queued": {
        "en": "Waiting: {source} is {place} in line; it starts when a document before it is added.",
        "uk": "{source}: очікує, місце в черзі — {place}; почнемо, щойно буде додано документ перед ним.",
        "ru": "{source}: ожидает, место в очереди — {place}; начнём, как только будет добавлен документ перед ним.",
    },
    # {rate}: passages a second ("12", "2.5"; "2,5" in uk/ru); {left}: library.time.* ("about 1 h 20 min left").
    "library.embedding_rate": {
        "en": "Indexing {source}: {done} of {total} passages, {rate} a second, about {left} left",
        "uk": "Індексуємо {source} (фрагментів: {done} з {total}, {rate} за секунду, залишилося близько {left})",
        "ru": "Индексируем {source} (фрагментов: {done} из {total}, {rate} в секунду, осталось около {left})",
    },
    "library.time.seconds": {"en": "{s} s", "uk": "{s} с", "ru": "{s} с"},
    "library.time.minutes": {"en": "{m} min", "uk": "{m} хв", "ru": "{m} мин"},
    "library.time.hours": {"en": "{h} h {m} min", "uk": "{h} год {m} хв", "ru": "{h} ч {m} мин"},
    # Everything is embedded: the new library is being written (seconds), too late to cancel.
    "library.saving": {
        "en": "Saving {source} to the library…",
        "uk": "{source}: зберігаємо в бібліотеці…",
        "ru": "{source}: сохраняем в библиотеке…",
    },
    # Cancel was pressed: the passages being embedded now are finished and kept first.
    "library.stopping": {
        "en": "Stopping {source}…",
        "uk": "{source}: зупиняємо…",
        "ru": "{source}: останавливаем…",
    },
    "library.cancelled": {
        "en": "Stopped adding {source}; the library is as it was.",
        "uk": "{source}: додавання зупинено, бібліотека така, як була.",
        "ru": "{source}: добавление остановлено, библиотека такая, как была.",
    },
    "library.cancelled_kept": {
        "en": "Stopped adding {source}; the library is as it was. The {done} passages already indexed are kept: "
        "add it again to continue from there.",
        "uk": "{source}: додавання зупинено, бібліотека така, як була. Уже проіндексовані фрагменти ({done}) "
        "збережено: додайте його знову, щоб продовжити з того місця.",
        "ru": "{source}: добавление остановлено, библиотека такая, как была. Уже проиндексированные фрагменты "
        "({done}) сохранены: добавьте его снова, чтобы продолжить с того места.",
    },
    "library.added": {
        "en": "Added “{title}”. Questions now go to this article; choose “All articles” to search them all.",
        "uk": "Додано статтю «{title}». Тепер запитання стосуються її; щоб шукати в усіх, виберіть «Усі статті».",
        "ru": "Добавлена статья «{title}». Теперь вопросы касаются её; чтобы искать во всех, выберите «Все статьи».",
    },
    "library.already": {
        "en": "“{title}” is already in the library; questions now go to it.",
        "uk": "Стаття «{title}» уже є в бібліотеці; тепер запитання стосуються її.",
        "ru": "Статья «{title}» уже есть в библиотеке; теперь вопросы относятся к ней.",
    },
    "library.error.nothing": {
        "en": "Nothing to add yet: choose a file, paste some text or enter a web address.",
        "uk": "Поки нічого додавати: виберіть файл, вставте текст або вкажіть адресу сторінки.",
        "ru": "Пока нечего добавлять: выберите файл, вставьте текст или укажите адрес страницы.",
    },
    # An add sent without the owner's token (qa.web.access).
    "library.error.owner_only": {
        "en": "Only the library’s owner can add documents here; asking is open to everyone.",
        "uk": "Додавати документи сюди може лише власник бібліотеки; запитувати може кожен.",
        "ru": "Добавлять документы сюда может только владелец библиотеки; спрашивать может каждый.",
    },
    "library.error.empty": {
        "en": "{source} is empty.",
        "uk": "{source}: файл порожній.",
        "ru": "{source}: файл пустой.",
    },
    "library.error.upload_gone": {
        "en": "{source} is no longer on the server; please choose the file again.",
        "uk": "{source}: файлу вже немає на сервері; виберіть його ще раз.",
        "ru": "{source}: файла уже нет на сервере; выберите его ещё раз.",
    },
    "library.error.too_large": {
        "en": "{source} is too large: the limit is {limit} MB.",
        "uk": "{source}: завеликий обсяг, дозволено не більше {limit} МБ.",
        "ru": "{source}: слишком большой объём, допустимо не больше {limit} МБ.",
    },
    "library.error.too_large_page": {
        "en": "{source} is too large: pages of up to {limit} MB can be added.",
        "uk": "{source}: сторінка завелика, можна додавати до {limit} МБ.",
        "ru": "{source}: страница слишком большая, можно добавлять до {limit} МБ.",
    },
    "library.error.file_type": {
        "en": "{source} is not a .txt, .md or .html file.",
        "uk": "{source}: це не файл .txt, .md чи .html.",
        "ru": "{source}: это не файл .txt, .md или .html.",
    },
    "library.error.http": {
        "en": "{source}: the server answered “{status}”.",
        "uk": "{source}: сервер відповів «{status}».",
        "ru": "{source}: сервер ответил «{status}».",
    },
    "library.error.timeout": {
        "en": "{source}: the server did not answer in time.",
        "uk": "{source}: сервер не відповів вчасно.",
        "ru": "{source}: сервер не ответил вовремя.",
    },
    "library.error.no_host": {
        "en": "{source}: no server has that name.",
        "uk": "{source}: сервера з такою назвою немає.",
        "ru": "{source}: сервера с таким именем нет.",
    },
    "library.error.refused": {
        "en": "{source}: the server refused the connection.",
        "uk": "{source}: сервер відхилив з’єднання.",
        "ru": "{source}: сервер отклонил соединение.",
    },
    "library.error.unreachable": {
        "en": "{source}: the server cannot be reached.",
        "uk": "{source}: не вдалося з’єднатися із сервером.",
        "ru": "{source}: не удалось соединиться с сервером.",
    },
    "library.error.private": {
        "en": "{source} leads to this computer or a private network, and this app does not fetch pages from there.",
        "uk": "{source}: адреса веде на цей комп’ютер або в приватну мережу, а звідти застосунок сторінок не бере.",
        "ru": "{source}: адрес ведёт на этот компьютер или в частную сеть, а оттуда приложение страницы не берёт.",
    },
    "library.error.scheme": {
        "en": "{source} is not a web address: only http:// and https:// addresses can be added.",
        "uk": "{source}: це не адреса вебсторінки; можна додавати лише адреси http:// і https://.",
        "ru": "{source}: это не адрес веб-страницы; можно добавлять только адреса http:// и https://.",
    },
    "library.error.self": {
        "en": "{source} is the address of this app itself; give the address of an article.",
        "uk": "{source}: це адреса самого застосунку; вкажіть адресу статті.",
        "ru": "{source}: это адрес самого приложения; укажите адрес статьи.",
    },
    "library.error.not_page": {
        "en": "{source} is not a web page or text ({type}): PDFs, images and other files cannot be added.",
        "uk": "{source}: це не вебсторінка й не текст ({type}); PDF, зображення та інші файли додати не можна.",
        "ru": "{source}: это не веб-страница и не текст ({type}); PDF, изображения и другие файлы добавить нельзя.",
    },
    "library.error.binary": {
        "en": "{source} is not text: it looks like a PDF, an image or another binary file.",
        "uk": "{source}: це не текст, а щось схоже на PDF, зображення чи інший двійковий файл.",
        "ru": "{source}: это не текст, а что-то похожее на PDF, изображение или другой двоичный файл.",
    },
    "library.error.encoding": {
        "en": "{source} is not in UTF-8 (or in the encoding an HTML page declares), so it cannot be read.",
        "uk": "{source}: текст не в UTF-8 (і не в кодуванні, яке оголошує HTML-сторінка), тож його не прочитати.",
        "ru": "{source}: текст не в UTF-8 (и не в кодировке, которую объявляет HTML-страница), его не прочитать.",
    },
    "library.error.no_text": {
        "en": "{source} has no article text to read, only navigation, scripts or markup.",
        "uk": "{source}: тут немає тексту статті, лише навігація, скрипти чи розмітка.",
        "ru": "{source}: здесь нет текста статьи, только навигация, скрипты или разметка.",
    },
    "library.error.redirect": {
        "en": "{source} redirects too many times, or to an address that cannot be added.",
        "uk": "{source}: забагато переадресацій або переадресація на адресу, яку не можна додати.",
        "ru": "{source}: слишком много перенаправлений или перенаправление на адрес, который нельзя добавить.",
    },
    # The fallback for a reason the app does not know: {reason} is the library's own (English) explanation.
    "library.error.other": {
        "en": "{source} could not be added: {reason}",
        "uk": "{source}: не вдалося додати ({reason}).",
        "ru": "{source}: не удалось добавить ({reason}).",
    },
    "error.unknown_document": {
        "en": "There is no document “{document}” in the library.",
        "uk": "У бібліотеці немає документа «{document}».",
        "ru": "В библиотеке нет документа «{document}».",
    },
    # After error.unknown_document on the command line: {documents} are ids, comma-separated.
    "error.documents_are": {
        "en": "Its documents are: {documents}.",
        "uk": "Документи бібліотеки: {documents}.",
        "ru": "Документы библиотеки: {documents}.",
    },
    # For programs calling /ask or POST /api/ask; field names stay as they are spelt in the request.
    "error.missing_question": {
        "en": "The request has no “question”: the text to ask, as a string.",
        "uk": "У запиті немає поля «question» — тексту запитання (рядка).",
        "ru": "В запросе нет поля «question» — текста вопроса (строки).",
    },
    "error.bad_history": {
        "en": (
            "“history” must be a list of at most {limit} earlier questions (strings) or answers "
            "(objects with a “question”), oldest first."
        ),
        "uk": (
            "Поле «history» має бути списком попередніх запитань (рядків) або відповідей (об’єктів із полем "
            "«question»), від найдавнішого; не більше {limit}."
        ),
        "ru": (
            "Поле «history» должно быть списком предыдущих вопросов (строк) или ответов (объектов с полем "
            "«question»), от самого раннего; не больше {limit}."
        ),
    },
    "error.bad_document": {
        "en": "“document” must be a document id (a string) or null.",
        "uk": "Поле «document» має бути ідентифікатором документа (рядком) або null.",
        "ru": "Поле «document» должно быть идентификатором документа (строкой) или null.",
    },
    "error.bad_json": {
        "en": "The request body must be a JSON object with a “question”.",
        "uk": "Тіло запиту має бути об’єктом JSON із полем «question».",
        "ru": "Тело запроса должно быть объектом JSON с полем «question».",
    },
    "error.request_too_large": {
        "en": "The request is too large: the limit is {limit} KB.",
        "uk": "Запит завеликий: дозволено не більше {limit} КБ.",
        "ru": "Запрос слишком большой: допустимо не больше {limit} КБ.",
    },
    # Examples for a document nobody wrote questions for (qa.web.examples), each offered only if the document
    # answers it: {topic} is a name or a term it uses, {title} its title, {year} a year it names.
    "example.about": {
        "en": "What is this article about?",
        "uk": "Про що ця стаття?",
        "ru": "О чём эта статья?",
    },
    "example.title": {
        "en": "What is the main point of “{title}”?",
        "uk": "Яка головна думка статті «{title}»?",
        "ru": "Какова главная мысль статьи «{title}»?",
    },
    # Phrasings chosen by how often the document's own answer is given to them (not abstained) on the dev documents.
    "example.topic": {
        "en": "Tell me about “{topic}”.",
        "uk": "Розкажіть про «{topic}».",
        "ru": "Расскажите про «{topic}».",
    },
    "example.pair": {
        "en": "What is said about {a} and {b}?",
        "uk": "Що сказано про {a} і {b}?",
        "ru": "Что сказано про {a} и {b}?",
    },
    "example.year": {
        "en": "What happened in {year}?",
        "uk": "Що сталося {year} року?",
        "ru": "Что произошло в {year} году?",
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
    "language.ja": {"en": "Japanese", "uk": "японська", "ru": "японский"},
    "language.zh": {"en": "Chinese", "uk": "китайська", "ru": "китайский"},
    "language.ko": {"en": "Korean", "uk": "корейська", "ru": "корейский"},
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


def rate(per_second: float, lang: str) -> str:
    """A rate as people write it: whole from 10 up, one decimal below ("2.5"; "2,5" in Ukrainian and Russian)."""
    text = f"{per_second:.0f}" if per_second >= 10 else f"{per_second:.1f}"
    return text.replace(".", ",") if lang in ("uk", "ru") else text
