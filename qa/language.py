"""Which language a question is written in, from as little as one or two words.

langdetect alone is unreliable on the short questions people actually type ("Що?" comes back as Bulgarian,
"Путин" as Ukrainian, "Who is Oleksii Reznikov?" as Slovenian), so the answer is built from evidence a
person would use, strongest first:

1. the script: Cyrillic, Latin or another one; in mixed text the script of the question's frame
   (its function words, then its non-name words) wins over names and quoted phrases;
2. function and question words of English, Ukrainian and Russian;
3. letters only one of Ukrainian (і ї є ґ, apostrophe) or Russian (ы э ё, ъ before е/ё/ю/я) uses;
4. words and word forms only one of the two has, one vote a word: a few hundred frequent words (заява, уряд;
   заявление, правительство) and spelling rules (питання, український, робити; Россия, ночь, группа);
5. character n-grams of langdetect's own Ukrainian and Russian profiles, for words with none of the above;
   Cyrillic with no evidence either way (a name like "Кличко") is Russian, and short Latin text English.

The full langdetect model (all 55 profiles, ~0.5 s and ~60 MiB to load) is consulted only when the text
may be in another language: a long Latin sentence with few English words, a long Cyrillic sentence with no
Ukrainian or Russian evidence, or another script.
"""

from __future__ import annotations

import json
import math
import os
import re
import unicodedata
from collections.abc import Mapping
from functools import cache
from importlib import resources

from langdetect import DetectorFactory, detect_langs

SUPPORTED: tuple[str, ...] = ("en", "uk", "ru")

DetectorFactory.seed = 0  # langdetect samples n-grams at random: a fixed seed makes answers repeatable

# Questions are short; looking further than this only costs time on pasted articles.
_MAX_CHARS = 1000
# Below this many words a sentence gives langdetect too little to name a language other than ours.
_MIN_WORDS_OTHER = 5
# A long Latin question with at least this share of English function words is English without asking.
_EN_SHARE = 0.25
# How sure langdetect must be before we name a language that is not en/uk/ru: 0.75 asks that about six of
# its seven random trials agree; full German or Dutch questions reach ~0.86, confused guesses stay lower.
_OTHER_PROB = 0.75
# Log-likelihood ratio (Ukrainian over Russian) n-grams must reach to call unmarked Cyrillic Ukrainian.
# Without markers Russian is the likelier reading (see _cyrillic), so Ukrainian needs clear n-gram evidence.
_UK_NGRAM_LLR = 10.0

_EN_WORDS = frozenset(
    """what whats who whos whom whose where wheres when why how which is are was were be been being did does
    do done has have had will would can could should may might must the of to in on at as for with about from
    by into after before and or but not this that these those there here it its he she they them his her their
    him we you your my me any some many much more than then if just still ever tell said says please thanks
    thank yes""".split()
)
# Only words that are not also common in Bulgarian or Macedonian ("как", "ще", "да", "и", "на" are), so
# that they can also veto reading a long sentence as Bulgarian.
_UK_WORDS = frozenset(
    """що шо хто де коли чому навіщо нащо скільки який яка яке які якого якої яку яким як чи це цей ця ці
    цього цю і й з із зі від він вона воно вони його її їх їм був була було були є вже тільки лише також
    теж щоб бо якщо ні але чого куди звідки дякую будь ласка мені мене або""".split()
)
_RU_WORDS = frozenset(
    """что чё чо кто где когда почему зачем сколько какой какая какое какие каких какую каком это этот
    эта эти этого он она оно они его её ее их был была было были есть уже ещё еще только тоже также
    чтобы потому если нет мне меня мы вы куда откуда спасибо пожалуйста""".split()
)
_UK_LETTERS = frozenset("іїєґ")
_RU_LETTERS = frozenset("ыэё")
# Russian writes ъ only as a separator before е/ё/ю/я (объявил); Bulgarian uses it as a vowel (къде, Кремъл).
_RU_HARD_SIGN = re.compile("ъ[еёюя]")
# Bulgarian writes ь only before о, Macedonian and Serbian never: elsewhere it marks Ukrainian or Russian.
_SOFT_SIGN = re.compile("ь(?!о)")
# Letters of one other Cyrillic language only: real evidence even in one word. langdetect has no profile
# for Belarusian or Serbian, so it could not name them itself.
_OTHER_CYRILLIC = {"ў": "be", "ђ": "sr", "ћ": "sr", "ѓ": "mk", "ќ": "mk", "ѕ": "mk"}
# Frequent words of one language that the other lacks or spells differently (заява/заявление, уряд/правительство,
# вибух/взрыв), written from general knowledge of the two languages and checked against wordfreq's frequency lists
# for both (a word common in the other language's list was dropped). Words with і ї є ґ or ы э ё are left out:
# their letters already decide. Words shared with Bulgarian are welcome here (ми, може; и, как): these lists only
# ever choose between Ukrainian and Russian, after the check for other languages. The last group of each list
# overrules a spelling rule below.
_UK_VOCAB = frozenset(
    # pronouns, adverbs, conjunctions, prepositions
    """ми ви ти та ще нього ньому цих цим цими такий така таке таку яких якому якими котрий котра котре котрого котру
    чий чия чию чийого кожен кожна кожне кожного кожному кожну кожних жоден жодна жодне жодного жодних жодну щось хтось
    десь колись якось чомусь кудись когось чогось ось оце отже тобто адже проте однак зокрема щодо стосовно серед
    навколо довкола поруч поряд поблизу протягом впродовж упродовж задля заради попри проти понад зараз тепер завжди
    вперше згодом нещодавно раптом одразу знову знов вчора спочатку дуже трохи багато небагато менше менш краще швидше
    нижче майже надто досить значно особливо переважно частково приблизно зазвичай загалом власне навпаки тимчасово
    одночасно водночас особисто фактично практично невже мабуть напевно звичайно можливо неможливо схоже саме добре
    погано гарно чудово важко дивно чесно серйозно швидко довго геть нема нехай хай хоча хоч наче немов якби доки аби
    лиш лишень тож туди сюди додому вдома наприклад небудь свого мого вашого нашого усе двох тих двома обох обидва
    чотири перше першого першому шкода вибачте пане""".split()
    # verb forms
    + """буде будуть бути може можуть можу можна треба хоче хочуть хочете каже кажуть кажу казав кажучи сказав заявив
    зазначив зазначила зазначили наголосив додав пояснив написав писав пише пишуть зробив зробила зробили робить роблять
    робив говорив прийшов прийшли вийшов вийшла вийшли вийшло вийти йти йде йдеться йдуть живе живуть бачив бачу бачать
    бачили бачите побачив спитав думав гадаю маю мав мали почав отримав отримали отримала створив знайшли взяти прийняти
    беруть веде допомогти допоможе визнав визнали оголосив оголосили оголосила запровадили зможе зможуть мусить мусимо
    варто повинен повинна вбили вбив вбито загинули загинув загинула загинуло помер затримали затримано затримав
    втратила втратив втратили""".split()
    # news and everyday nouns and adjectives
    + """уряд уряду урядом влада влади владу держави державний державна державне державного заява заяви заяву заявою
    провина провини провину переговори угода угоди перемога перемоги перемогу поразка поразки зброя зброю солдати
    окупанти окупованих окупована ворог ворога вороги ворогу втрата втрати втрат полон полону полонених полоненими
    захист захисту захисник захисники ппо полоненим загиблих загибель поранених поранено допомога допомоги допомогу
    грошей кошти податки податок гривень долар долара долари борг борги боргу нафти новини новина новин джерело джерела
    людина людини дитина дитини дитину батько тиждень тижня години годину годин хвилин хвилини ранок ранку зранку четвер
    субота суботу вибух вибухи вибуху вибори виборах тривога тривоги тривогу ракети дрони снаряди гармати корабель удари
    окопи бригади батальйон наступ наступу контрнаступ оборони речник речниця речника нардеп нардепи депутати верховна
    столиця вулиця селище громада громади студенти тарифи мова мови мову мовою праця справи вирок злочин злочини кордону
    води дощ пшениця голови група групу процес процесу програма програму шлях шляху шляхом посаду посади роботу чином
    питань рахунок будинок будинку даних думку межах роках назва назву гра гри гру серце крок вогонь користь прапор мета
    родини зрада зради боротьба приводу переклад новий нова нове малий старий молодий добрий поганий важливий перший
    другий минулого минулий минула ядерний ядерна ядерну швидкий довгий готовий радий гарна правий червоний червоного
    червона жовтий зелений черговий впевнений""".split()
    # months (genitive), places and names in their Ukrainian spelling
    + """лютого березня травня червня липня серпня вересня жовтня листопада грудня року одеса одеси одесу крим криму
    донбас донбасу москви польща зсу хреста ердоган миколая коломия""".split()
    # Ukrainian words that a Russian spelling rule below would claim
    + "кияни киян християни християн християнство християнства християнський диявол шия".split()
)
_RU_VOCAB = frozenset(
    # pronouns, adverbs, conjunctions, prepositions
    """и или ли но как вот сейчас теперь потом всегда никогда тогда иногда здесь сюда туда нигде очень много немного
    несколько столько больше меньше лучше хуже хорошо плохо снова опять сразу почти чуть ничуть даже ведь однако конечно
    совсем вообще кстати нельзя ладно наверняка спустя хотя хоть пока после между около вокруг среди против из под кроме
    вместо возле согласно чем кем ему ей нее него нему ней тебя себя мой твой свой тот такой каждая каждого самая
    которого которой котором которому которую какого ничего никто никого всего всех всем всему нету привет""".split()
    # verb forms
    + """будет будут может могут можно нужно нужен нужна надо должен должна хочет хотят говорит стоит сказал заявил
    сообщил отметил подчеркнул добавил ответил рассказал написал сделал решил получил начал стал мог пришел ушел нашел
    погиб погибли умер убил помню понимаю смотреть видеть найти зовут""".split()
    # news and everyday nouns and adjectives
    + """правительство правительства государство государства тревога тревоги победа враг врага враги потери угроза
    угрозу деньги денег цена человек человека дети детей женщина мужчина жизнь жизни дела дело работа работу работе
    город города городе страна стране страну улица улице деревня неделя недели неделю сегодня вчера утром вечером год
    года году лет месяц минут время времени новости вопрос ответ взгляд обстрел обстрела беспилотник беспилотники пво
    всу война войну войне плен обмен обмена поддержка нефть нефти гривна гривен доллар доллара долларов свет убежище
    погибших министр министра министерство госдума второй второго первого последний последнего большой""".split()
    # places and names in their Russian spelling
    + """украина украине украину украиной киев киева киеве харьков харькова харькове днепр донбасс беларусь беларуси
    одесса одессе одессу николаев николаева львов львове мариуполь чернигов авдеевка белгород польша европа евросоюз
    путин путина песков медведев резников ермак""".split()
    # Russian words that a Ukrainian spelling rule below would claim
    + "пути сути печати кровати древний вечерний".split()
)
# Spelling and inflection that set the two languages apart. Each pattern marks 0.1-3 % of its own language's running
# words and under 0.1 % of the other's (measured on the wordfreq lists); words they misjudge are in the lists above.
_UK_MORPH = re.compile(
    r"""
    # питання, життя, Запоріжжя: a long consonant before -я, -ю where Russian has -ние, -тие, -жье
      ([бвгджзклмнпрстфхцчшщ])\1(?:я|ю|ям|ями|ях)$
    # український, донецький, близько: Russian -ский, -цкий, -зкий have no ь
    | [сцз]ьк
    # цього, всього, сьогодні: Russian writes ьо only in loans (бульон, батальон)
    | ьо(?!н)
    # робити, знати, проти: the infinitive -ти where Russian has -ть (Russian -дцати is skipped, пути is listed)
    | (?<!дц)[аиоу]ти$
    # працюють, можуть, кажуть: the 3rd person plural keeps ь; Russian -ют, -ут (its -уть is -нуть, путь, суть)
    | ють$ | \w\w[бвджзлмрстчшщ]уть$
    # будемо, можемо: the 1st person plural -емо; Russian -ем
    | \w\wемо$
    # можеш, хочеш: the 2nd person singular without ь; Russian -ешь, -ишь
    | [еи]ш$
    # сталося, повернувся, дивитися, дивитись: -ся after a vowel or в; Russian -лось, -лся, -ться
    | (?:л[аои]|[аеиоуя]в|ти)ся$ | [аиуя]тись$
    # використовувати, запропонував: -увати, -ював; Russian -овать, -овал
    | [ую]ва(?:ти|в|ла|ли|ло|вши)$
    # головний, власний, ракетний, народний: the adjective ending -ний after a hard consonant; Russian -ный (its
    # soft -ний follows д, т, н, ж, ш, м: последний, летний, новогодний, зимний)
    | (?:[кпрсчлзв]|(?<!ле)т|(?<!г)од)ний$
    # групи, бази, держави, людини: -и where Russian writes -ы after a hard consonant; Russian has -и there
    # only in a few soft stems (цепи, крови)
    | (?:[аиоу][бпф]|[аоу]з|[аиуя]в|ин|ур|ум|ян|ас)и$
    """,
    re.VERBOSE,
)
_RU_MORPH = re.compile(
    r"""
    # Россия, такие, истории: Ukrainian writes і before a vowel (Росія, історії); not ви-явити, спри-яти
      (?<!^в)(?:и[еюи]|(?<!пр)ия)
    # статья, семьи, ночью: a separating ь where Ukrainian writes an apostrophe (альянс is spelt so in both)
    | ь(?:[еиюё]|я(?!нс))
    # ночь, можешь, помощь: Ukrainian writes no ь after ж ч ш щ (ніч, можеш, допомога)
    | [жчшщ]ь
    # новая, последняя, такое: long adjective endings; Ukrainian нова, остання, таке
    | [ая]я$ | [ое]е$
    # знает, делают: the 3rd person -ет, -ют after a vowel; Ukrainian знає, роблять
    | [аяеуо]ет$ | [аяеу]ют$
    # сделать, остаться: the infinitive -ть; Ukrainian -ати (its -ать is a 3rd person plural after ж ч ш щ)
    | [^жчшщ]ать(?:ся)?$
    # является: Ukrainian writes -ться
    | тся$
    # из, или, история: no Ukrainian word starts with и (історія)
    | ^и
    # группа, процесс, территория: Ukrainian drops the double consonant of loans (група, процес, територія)
    | [аеиоуя](?:сс|мм|лл|рр|фф|пп|кк)(?!(?:я|ю|ям|ями|ях)$)
    # русский, немецкий, Донецк, Луганск: Ukrainian російський, німецький, Донецьк, Луганськ
    | (?<!ь)[сцз]к(?:ий|ого|ому|ой|их|им|ими|ую|ие|ая|ое)$ | (?:[бвдлмнпрт]с|ц)к(?:а|е|у|ом)?$
    """,
    re.VERBOSE,
)
_APOSTROPHES = "'’ʼ"
# Ukrainians on a Russian keyboard type Latin "i" for "і"; other look-alikes slip in the same way.
_HOMOGLYPHS = str.maketrans("aceiopxyACEIOPXYKMTHB", "асеіорхуАСЕІОРХУКМТНВ")

_WORD = re.compile(rf"[^\W\d_]+(?:[{_APOSTROPHES}][^\W\d_]+)*")
_LETTER = re.compile(r"[^\W\d_]")
# A quoted phrase is what the question is about, not the language it is asked in.
_QUOTED = re.compile(r"«[^»]*»|„[^“”]*[“”]|“[^”]*”|\"[^\"]*\"")


def detect_language(text: str) -> str:
    """The ISO 639-1 code of the language `text` is written in: "en", "uk", "ru" or another code ("de").

    Deterministic and never raises; text without letters is "en". Short Latin text is English unless it
    clearly is not, and short Cyrillic text is Ukrainian or Russian; see the module docstring for the rules.
    """
    try:
        return _detect(text)
    except Exception:  # a language guess is never worth failing a question for
        return "en"


def text_language(text: str) -> str:
    """The language a document is written in: the question rules, applied to the words of its first pages."""
    words = _WORD.findall(text[:20_000])
    if not words:
        return "en"
    cyrillic, latin, _ = _by_script(words)
    if len(cyrillic) > len(latin):
        return _cyrillic(cyrillic, " ".join(cyrillic[:200]))
    return detect_language(" ".join(words[:300]))


def reply_language(code: str) -> str:
    """The language a reply is framed in: `code` itself if supported, otherwise English."""
    return code if code in SUPPORTED else "en"


# --- Which language the product speaks to a person. One rule for every face: the web page, its HTTP API, the
# command line (tests/test_speaking.py holds each face to it):
#
# 1. About a question (its answer, or why it cannot be asked or answered, an unknown document included): the
#    question's own language (question_language). A question without letters keeps the conversation's language;
#    a language other than English, Ukrainian and Russian is answered in English.
# 2. About anything else (the page's own words, adding a document and how it went, a request with no question in
#    it, a command's set-up before any question): the person's interface language. On the page and the HTTP API
#    that is the browser's or client's Accept-Language (accepted_language), in a terminal the locale
#    (locale_language).
#
# The index commands (`qa index …`) print English only: their messages name paths and commands to type.


def question_language(question: str, previous: str = "") -> str:
    """The language to answer `question` in (en, uk or ru). One without letters (empty, emoji) keeps `previous`,
    the conversation's language so far ("en" when there is none)."""
    sample = question[:_MAX_CHARS]
    if not _LETTER.search(sample):
        return previous if previous in SUPPORTED else "en"
    return reply_language(detect_language(sample))


def accepted_language(header: str | None) -> str:
    """The first of en/uk/ru in an Accept-Language header by preference ("uk-UA,uk;q=0.9,en;q=0.8" -> "uk")."""
    ranked = []
    for n, item in enumerate((header or "").split(",")):
        tag, _, params = item.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        code = tag.strip().split("-")[0].lower()
        if code in SUPPORTED and q > 0:
            ranked.append((-q, n, code))
    return min(ranked)[2] if ranked else "en"


def locale_language(environ: Mapping[str, str] | None = None) -> str:
    """The terminal's language: the first locale variable set (LC_ALL, LC_MESSAGES, LANG, LANGUAGE), if it is
    Ukrainian or Russian; English otherwise."""
    environ = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = environ.get(name, "")
        if value:
            return reply_language(value[:2].lower())
    return "en"


def _detect(text: str) -> str:
    sample = text[:_MAX_CHARS]
    framed = _QUOTED.sub(" ", sample)
    words = _WORD.findall(framed) or _WORD.findall(sample)
    if not words:
        return "en"
    cyrillic, latin, other = _by_script(words)
    if other and sum(map(len, other)) > sum(map(len, cyrillic + latin)):
        return _langdetect_top(sample, min_prob=0.0) or "en"
    if cyrillic and (not latin or _cyrillic_frame(cyrillic, latin)):
        return _cyrillic(cyrillic, sample)
    return _latin(latin, sample)


_CYRILLIC_LETTER = re.compile(r"[\u0400-\u04ff]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")


def is_cyrillic(text: str) -> bool:
    """Whether `text` is mostly written in Cyrillic letters (more of them than Latin ones)."""
    return len(_CYRILLIC_LETTER.findall(text)) > len(_LATIN_LETTER.findall(text))


def _by_script(words: list[str]) -> tuple[list[str], list[str], list[str]]:
    cyrillic, latin, other = [], [], []
    for word in words:
        scripts = [_script(ch) for ch in word if ch not in _APOSTROPHES]
        if "CYRILLIC" in scripts:
            cyrillic.append(word.translate(_HOMOGLYPHS).lower() if "LATIN" in scripts else word.lower())
        elif "LATIN" in scripts:
            latin.append(word)
        else:
            other.append(word)
    return cyrillic, latin, other


def _script(ch: str) -> str:
    return unicodedata.name(ch, "?").split(" ", 1)[0]


def _cyrillic_frame(cyrillic: list[str], latin: list[str]) -> bool:
    """Whether a question mixing scripts is asked in its Cyrillic part, as a reader would judge it."""
    cyr_frame = sum(w in _UK_WORDS or w in _RU_WORDS for w in cyrillic)
    lat_frame = sum(w.lower() in _EN_WORDS for w in latin)
    if cyr_frame != lat_frame:
        return cyr_frame > lat_frame
    # Names are capitalised; the words around them carry the language.
    cyr_plain = sum(not w[0].isupper() for w in cyrillic)
    lat_plain = sum(not w[0].isupper() for w in latin)
    if cyr_plain != lat_plain:
        return cyr_plain > lat_plain
    # Article names are Latin and get pasted into Cyrillic questions far more often than the reverse.
    return sum(map(len, cyrillic)) >= sum(map(len, latin))


def _latin(words: list[str], sample: str) -> str:
    if len(words) < _MIN_WORDS_OTHER:
        return "en"
    # Capitalised words after the first are mostly names, which say nothing about the language around them.
    plain = words[:1] + [w for w in words[1:] if not w[0].isupper()]
    if sum(w.lower() in _EN_WORDS for w in plain) >= _EN_SHARE * len(plain):
        return "en"
    other = _langdetect_top(sample, min_prob=_OTHER_PROB)
    return other or "en"


def _cyrillic(words: list[str], sample: str) -> str:
    letters = "".join(words)
    for ch, code in _OTHER_CYRILLIC.items():
        if ch in letters:
            return code
    uk_words = sum(w in _UK_WORDS for w in words)
    ru_words = sum(w in _RU_WORDS for w in words)
    if uk_words != ru_words:
        return "uk" if uk_words > ru_words else "ru"
    uk_marked = sum(any(c in _UK_LETTERS or c in _APOSTROPHES for c in w) for w in words)
    ru_marked = sum(any(c in _RU_LETTERS for c in w) or bool(_RU_HARD_SIGN.search(w)) for w in words)
    if uk_marked != ru_marked:
        return "uk" if uk_marked > ru_marked else "ru"
    east_slavic = uk_words or uk_marked or ru_marked or any(_SOFT_SIGN.search(w) for w in words)
    if not east_slavic and len(words) >= _MIN_WORDS_OTHER:
        # Not a trace of Ukrainian or Russian in a whole sentence: Bulgarian or such, if langdetect is sure.
        other = _langdetect_top(sample, min_prob=_OTHER_PROB)
        if other and other not in SUPPORTED:
            return other
    # Then words and word forms only one of the two languages has: each word gets one vote.
    cues = sum(map(_word_cue, words))
    if cues:
        return "uk" if cues > 0 else "ru"
    # Russian is the default: і/ї/є/ґ make up 8 % of Ukrainian letters but ы/э/ё only 2 % of Russian ones
    # (langdetect's profiles), so Cyrillic with neither is more often Russian than Ukrainian.
    return "uk" if _uk_over_ru(words) >= _UK_NGRAM_LLR else "ru"


def _word_cue(word: str) -> int:
    """+1 for a Ukrainian word, -1 for a Russian one, 0 for one either language could have written."""
    if word in _UK_VOCAB:
        return 1
    if word in _RU_VOCAB:
        return -1
    return bool(_UK_MORPH.search(word)) - bool(_RU_MORPH.search(word))


def _uk_over_ru(words: list[str]) -> float:
    """Log-likelihood ratio of Ukrainian over Russian from the 1-3-grams of langdetect's two profiles."""
    uk, ru = _profile("uk"), _profile("ru")
    llr = 0.0
    for word in words:
        padded = f" {word} "
        for n in (1, 2, 3):
            for i in range(len(padded) - n + 1):
                gram = padded[i : i + n]
                if gram.strip() and (gram in uk.freq or gram in ru.freq):
                    llr += uk.logp(gram, n) - ru.logp(gram, n)
    return llr


class _Profile:
    def __init__(self, freq: dict[str, int], totals: list[int]) -> None:
        self.freq = freq
        self.totals = totals

    def logp(self, gram: str, n: int) -> float:
        return math.log((self.freq.get(gram, 0) + 1) / self.totals[n - 1])


@cache
def _profile(code: str) -> _Profile:
    # Two small profiles load in a few ms, against ~0.5 s and ~60 MiB for langdetect's whole set.
    data = json.loads(resources.files("langdetect").joinpath("profiles", code).read_text(encoding="utf-8"))
    return _Profile(data["freq"], data["n_words"])


def _langdetect_top(sample: str, min_prob: float) -> str | None:
    """langdetect's most likely language if at least min_prob sure, with codes made ISO 639-1 ("zh")."""
    try:
        best = detect_langs(sample)[0]
    except Exception:  # langdetect raises on text with no features it knows
        return None
    return best.lang.split("-")[0] if best.prob >= min_prob else None
