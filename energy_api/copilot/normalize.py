"""From a message as people write it to the text the planner reads.

1. Number words become digits (text2num: "dos semanas" -> "2 semanas", "five hundred kWh" ->
   "500 kWh"); "un"/"una"/"one" are left alone (they are mostly articles).
2. Lower case without accents; "¿¡" and quotes become spaces; a unit glued to a number is split.
3. Numbers are read in the question's convention and rewritten canonically ("1.000,5" in Spanish
   and "1,000.5" in English both become "1000.5"; a number with both marks is read by its last).
4. Inflections of known words are known (Snowball stems: "trasladando" from "trasladar"); small
   typos are corrected against the copilot's vocabulary (rapidfuzz, Damerau-Levenshtein similarity
   >= 0.8 on words of 4+ letters): "cosnumo" -> "consumo", "febero" -> "febrero".

What is left unknown is returned too, so the planner can say what it did not understand instead
of answering another question.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein
from text_to_num import alpha2digit

from energy_api.copilot.language import ES, MONTH_WORDS
from energy_api.copilot.vocabulary import STOP_WORDS, VOCABULARY, intent_word

#: Similarity (0-1, normalised Damerau-Levenshtein) a typo needs to be read as a known word.
TYPO_SIMILARITY = 0.79  # 0.8 = one edit in five letters; a hair lower for floating point
_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:[.,]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)(?![\d])")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


@dataclass
class Normalized:
    """The folded, canonical text and what normalisation did."""

    text: str
    original: str
    corrections: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)


_ONE_MARK = "onemark"
_PARTICLE_AFTER = re.compile(r"\s+(?:up|through|out)\b")
_PRONOUN_ONE = re.compile(
    r"(?<=[a-z] )(?<!\bday )(?<!\bweek )(?<!\bmonth )(?<!\bquarter )(?<!\bhalf )(?<!\bnumber )(?<!\bno )\bone\b"
    r"(?=\s*(?:[?.!,;]|$|\b(?:was|is|were|then|please|instead|too|with|and|or|of)\b))",
    re.IGNORECASE,
)


_WEEKDAY_NAMES = r"(?:lunes|martes|miercoles|jueves|viernes|sabado|domingo|monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_MONTH_NAMES = (
    r"(?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|"
    r"january|february|march|april|may|june|july|august|september|october|november|december)"
)
_DATED_WEEKDAY = re.compile(
    rf"\b{_WEEKDAY_NAMES},?\s+(?=(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?\s+(?:(?:de\s+|of\s+)?{_MONTH_NAMES}\b|"
    rf"(?:al|a|to|through|until|hasta|y|and)\s+(?:el\s+|the\s+)?(?:{_WEEKDAY_NAMES}\s+)?\d{{1,2}}(?:st|nd|rd|th)?\s+(?:de\s+|of\s+)?{_MONTH_NAMES}\b))"
)


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def read_number(token: str, lang: str) -> float:
    """A number in either convention, preferring the question's where one mark alone is ambiguous."""
    if "," in token and "." in token:
        decimal = "," if token.rfind(",") > token.rfind(".") else "."
        group = "." if decimal == "," else ","
        return float(token.replace(group, "").replace(decimal, "."))
    mark = "," if "," in token else "." if "." in token else None
    if mark is None:
        return float(token)
    grouped = re.fullmatch(r"\d{1,3}(?:" + re.escape(mark) + r"\d{3})+", token) is not None
    group_mark = "." if lang == ES else ","
    if grouped and mark == group_mark:
        return float(token.replace(mark, ""))
    if grouped and token.count(mark) > 1:
        return float(token.replace(mark, ""))
    return float(token.replace(mark, "."))


def _canonical(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def _numbers(text: str, lang: str) -> str:
    def repl(m: re.Match[str]) -> str:
        token = m.group(1)
        before = text[max(0, m.start() - 1) : m.start()]
        after = text[m.end() : m.end() + 1]
        if (before and before in "-:/") or after in ("-", ":", "/"):
            return token  # dates, times and ratios keep their shape
        return _canonical(read_number(token, lang))

    return _NUMBER.sub(repl, text)


def correct(word: str) -> str | None:
    return _correct(word, len(VOCABULARY))


@lru_cache(maxsize=4096)
def _correct(word: str, size: int) -> str | None:
    """The vocabulary word a typo most likely meant (None when nothing is close enough)."""
    if len(word) < 4 or word in VOCABULARY or word in STOP_WORDS:
        return None  # a stop word is a real word of the language, never a typo of another
    match = process.extractOne(
        word,
        _candidates(size),
        scorer=DamerauLevenshtein.normalized_similarity,
        score_cutoff=TYPO_SIMILARITY,
    )
    if match is None:
        return None
    best = match[0]
    if word in best and len(best) - len(word) >= 2:
        return None  # "weighted" is not a typo of "unweighted": a prefix or suffix changes the meaning
    if best in MONTH_WORDS and len(best) == len(word) and sorted(best) != sorted(word):
        return None  # "match" is not "march": a substituted letter never makes up a month (a period)
    return best if abs(len(best) - len(word)) <= 2 else None


_STEMMERS = (snowballstemmer.stemmer("spanish"), snowballstemmer.stemmer("english"))


@lru_cache(maxsize=2)
def _stems(size: int) -> frozenset[str]:
    """Snowball stems (Spanish and English) of the vocabulary's words of 4+ letters."""
    words = [w for w in VOCABULARY if len(w) >= 4]
    return frozenset(stem for stemmer in _STEMMERS for stem in stemmer.stemWords(words) if len(stem) >= 3)


def known(word: str) -> bool:
    """A vocabulary word, or an inflection of one ("trasladando" from "trasladar", "ranked" from "rank")."""
    if word in VOCABULARY:
        return True
    if len(word) < 5:
        return False
    stems = _stems(len(VOCABULARY))
    return any(stemmer.stemWord(word) in stems for stemmer in _STEMMERS)


@lru_cache(maxsize=2)
def _candidates(size: int) -> list[str]:
    """Words typos may snap to (recomputed when the vocabulary grows)."""
    return sorted(w for w in VOCABULARY if len(w) >= 4)


_MONTH_ALT = "|".join(sorted(MONTH_WORDS, key=len, reverse=True))
_DAY_MONTH_DASH = re.compile(
    rf"\b(\d{{1,2}}(?:st|nd|rd|th)?\s+(?:de\s+)?(?:{_MONTH_ALT}))\.?\s*[-\u2013\u2014]\s*"
    rf"(\d{{1,2}}(?:st|nd|rd|th)?\s+(?:de\s+)?(?:{_MONTH_ALT}))\b"
)
_MONTH_DAY_DASH = re.compile(
    rf"\b((?:{_MONTH_ALT})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?)\s*[-\u2013\u2014]\s*((?:{_MONTH_ALT})\.?\s+\d{{1,2}})\b"
)


def normalize(message: str, lang: str) -> Normalized:
    text = message.replace("\u2019", "'").replace("\u2018", "'")
    # "one" as a pronoun ("and the leading one?", "which one was highest") is no number
    text = _PRONOUN_ONE.sub(_ONE_MARK, text)
    with contextlib.suppress(Exception):  # text2num refuses some inputs; the words then stay words
        text = alpha2digit(text, "es" if lang == ES else "en", threshold=1)
    text = re.sub(r"\bcos\s*[\u03c6\u03d5\u0278]", "cos phi", text, flags=re.IGNORECASE)  # "cos φ"
    text = fold(text).replace(_ONE_MARK, "one")
    text = re.sub(r"[¿¡\"“”«»]", " ", text)
    text = re.sub(r"([a-z])'s\b", r"\1", text)
    text = re.sub(r"\bwhat's\b", "what is", text)
    text = re.sub(r"\bfp\b", "fdp", text)
    # adverbs of a unit of time are that unit's average ("consumimos diariamente" = per day)
    text = re.sub(r"\bdiariamente\b", "al dia", text)
    # informal range words: "March 3 thru 9", "till the 20th" read as "through" / "until"
    text = re.sub(r"\bthru\b", "through", text)
    text = re.sub(r"\b(?:till|til|'til|untill)\b", "until", text)
    text = re.sub(
        r"(?<!off-)(?<!mid-)\bpeak-(periods?|hours?|times?|rates?|tariffs?)\b", r"peak \1", text
    )  # "el FP", "FP below 95 %": the power factor
    text = re.sub(r"(\d)\s*(kwh|kvarh|kvah|krw|tco2|mwh|wons?)\b", r"\1 \2", text)
    text = re.sub(r"(\d)(kw|kva|horas|hours|hrs|dias|days)\b", r"\1 \2", text)
    text = re.sub(r"(\d)\.(?:o|a|er|º|ª)\b", r"\1", text)  # "1.er trimestre", "2.º semestre"
    text = re.sub(r"ᵉʳ|º|ª", "", text)
    # Spanish ordinals written as digits ("1o", "2do", "3er") read as words, like "primero"
    text = re.sub(
        r"\b([1-4])(?:o|a|er|ra|ro|do|da|to|ta)\b",
        lambda m: ("primero", "segundo", "tercero", "cuarto")[int(m.group(1)) - 1],
        text,
    )
    # clock ranges written with a dash ("10-12", "23-01", "10:00-12:00", "9am-11am", "14h–16h") read as
    # "10 to 12" (ISO dates keep their dashes)
    # "17th-30th June": two ordinal days joined by a dash read as a range
    text = re.sub(r"\b(\d{1,2})(st|nd|rd|th)\s*[-\u2013]\s*(\d{1,2})(st|nd|rd|th)\b", r"\1\2 to \3\4", text)
    clock = r"(\d{1,2}(?::\d{2})?(?:\s*(?:am|pm|h)\b)?)"
    text = re.sub(
        rf"(?<![\d\-:./]){clock}\s*[-\u2013\u2014]\s*{clock}(?![\d\-:./])",
        lambda m: f"{m.group(1)} {'a' if lang == ES else 'to'} {m.group(2)}",
        text,
    )
    # "29 Oct-4 Nov", "Oct 29-Nov 4", "del 29 oct - 4 nov": a dash between two dated days is a range
    to = "a" if lang == ES else "to"
    text = _DAY_MONTH_DASH.sub(lambda m: f"{m.group(1)} {to} {m.group(2)}", text)
    text = _MONTH_DAY_DASH.sub(lambda m: f"{m.group(1)} {to} {m.group(2)}", text)
    text = _numbers(text, lang)
    # "del lunes 2 al domingo 8 de abril", "Monday 2nd to Sunday 8th April": the weekday of a dated day adds nothing
    text = _DATED_WEEKDAY.sub("", text)
    corrections: dict[str, str] = {}
    unknown: list[str] = []

    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        if len(word) < 3 or known(word):
            return word
        if intent_word(word):
            # an intent verb is never snapped to another word ("propose" is no "propone"), only to a form of
            # itself ("recomiéndame" -> "recomienda", "compárame" -> "compara")
            better = correct(word)
            if better is not None and intent_word(better) and better[:5] == word[:5]:
                corrections[word] = better
                return better
            unknown.append(word)
            return word
        if _PARTICLE_AFTER.match(m.string, m.end()):
            unknown.append(word)  # the verb of a phrasal verb ("stack up", "burn through") is no typo
            return word
        better = correct(word)
        if better is None:
            unknown.append(word)
            return word
        corrections[word] = better
        return better

    text = _WORD.sub(fix, text)
    text = re.sub(r"\s+", " ", text).strip()
    return Normalized(text=text, original=message, corrections=corrections, unknown=unknown)


__all__ = ["TYPO_SIMILARITY", "Normalized", "correct", "fold", "normalize", "read_number"]
