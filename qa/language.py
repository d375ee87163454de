"""Which language a question is written in, from as little as one or two words.

langdetect alone is unreliable on the short questions people actually type ("Що?" comes back as Bulgarian,
"Путин" as Ukrainian, "Who is Oleksii Reznikov?" as Slovenian), so the answer is built from evidence a
person would use, strongest first:

1. the script: Cyrillic, Latin or another one; in mixed text the script of the question's frame
   (its function words, then its non-name words) wins over names and quoted phrases;
2. function and question words of English, Ukrainian and Russian;
3. letters only one of Ukrainian (і ї є ґ, apostrophe) or Russian (ы э ё, ъ before е/ё/ю/я) uses;
4. character n-grams of langdetect's own Ukrainian and Russian profiles, for words with none of the above;
   Cyrillic with no evidence either way (a name like "Кличко") is Russian, and short Latin text English.

The full langdetect model (all 55 profiles, ~0.5 s and ~60 MiB to load) is consulted only when the text
may be in another language: a long Latin sentence with few English words, a long Cyrillic sentence with no
Ukrainian or Russian evidence, or another script.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
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
_APOSTROPHES = "'’ʼ"
# Ukrainians on a Russian keyboard type Latin "i" for "і"; other look-alikes slip in the same way.
_HOMOGLYPHS = str.maketrans("aceiopxyACEIOPXYKMTHB", "асеіорхуАСЕІОРХУКМТНВ")

_WORD = re.compile(rf"[^\W\d_]+(?:[{_APOSTROPHES}][^\W\d_]+)*")
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


def reply_language(code: str) -> str:
    """The language a reply is framed in: `code` itself if supported, otherwise English."""
    return code if code in SUPPORTED else "en"


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
    # Russian is the default: і/ї/є/ґ make up 8 % of Ukrainian letters but ы/э/ё only 2 % of Russian ones
    # (langdetect's profiles), so Cyrillic with neither is more often Russian than Ukrainian.
    return "uk" if _uk_over_ru(words) >= _UK_NGRAM_LLR else "ru"


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
