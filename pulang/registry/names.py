"""Matching keys for personal names as they are written across ASEAN.

The name is always stored exactly as written; the keys here are derived from it once, at
write time, and searched later by exact lookup (``phonetic``) and trigram similarity
(``folded``, ``sorted_tokens``). The rules and the measured choice of romaniser per script
are in docs/name-matching.md; the figures come from ``python -m bench.romanisers``.

Nothing here imports Django: the module is pure functions over strings.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from anyascii import anyascii
from rapidfuzz.distance import Indel, JaroWinkler

# Keys of an absurdly long "name" are computed on its start only.
MAX_INPUT_CHARS = 1000
MAX_TOKENS = 32
# The shortest piece of a name taken for a nickname of it.
NICKNAME_MIN = 3


@dataclass(frozen=True)
class NameKeys:
    folded: str
    sorted_tokens: str
    phonetic: str
    tokens: tuple[str, ...]
    script: str


EMPTY_KEYS = NameKeys(folded="", sorted_tokens="", phonetic="", tokens=(), script="")

# --- Scripts ------------------------------------------------------------------------------

_SCRIPT_BLOCKS: tuple[tuple[int, int, str], ...] = (
    (0x0041, 0x024F, "Latn"),
    (0x0300, 0x036F, ""),  # combining diacritics belong to the letter before them
    (0x0370, 0x03FF, "Grek"),
    (0x0400, 0x052F, "Cyrl"),
    (0x0590, 0x05FF, "Hebr"),
    (0x0600, 0x06FF, "Arab"),
    (0x0750, 0x077F, "Arab"),
    (0x08A0, 0x08FF, "Arab"),
    (0x0900, 0x097F, "Deva"),
    (0x0980, 0x09FF, "Beng"),
    (0x0B80, 0x0BFF, "Taml"),
    (0x0E00, 0x0E7F, "Thai"),
    (0x0E80, 0x0EFF, "Laoo"),
    (0x1000, 0x109F, "Mymr"),
    (0x1100, 0x11FF, "Hang"),
    (0x1700, 0x171F, "Tglg"),
    (0x1780, 0x17FF, "Khmr"),
    (0x19E0, 0x19FF, "Khmr"),
    (0x1A00, 0x1A1F, "Bugi"),
    (0x1E00, 0x1EFF, "Latn"),
    (0x3040, 0x30FF, "Jpan"),
    (0x3130, 0x318F, "Hang"),
    (0x3400, 0x4DBF, "Hani"),
    (0x4E00, 0x9FFF, "Hani"),
    (0xA980, 0xA9DF, "Java"),
    (0xA9E0, 0xA9FF, "Mymr"),
    (0xAA60, 0xAA7F, "Mymr"),
    (0xAC00, 0xD7AF, "Hang"),
    (0xF900, 0xFAFF, "Hani"),
    (0xFB50, 0xFDFF, "Arab"),
    (0xFE70, 0xFEFF, "Arab"),
    (0x20000, 0x2FA1F, "Hani"),
)
_BLOCK_STARTS = [start for start, _, _ in _SCRIPT_BLOCKS]


@functools.lru_cache(maxsize=4096)
def _char_script(char: str) -> str:
    """ISO 15924 code of a letter or mark, "" for anything that belongs to no script."""
    if char.isascii():
        return "Latn" if char.isalpha() else ""
    code = ord(char)
    index = bisect.bisect_right(_BLOCK_STARTS, code) - 1
    if index >= 0:
        start, end, script = _SCRIPT_BLOCKS[index]
        if start <= code <= end and (script != "Latn" or char.isalpha()):
            return script
    return "Zyyy" if char.isalpha() else ""


def _script_runs(text: str) -> list[tuple[str, str]]:
    """Split text into (script, run) pieces; spaces and marks stay with the run before."""
    runs: list[tuple[str, str]] = []
    current, chars = "", list[str]()
    for char in text:
        script = _char_script(char)
        if script and script != current and chars and current:
            runs.append((current, "".join(chars)))
            chars = []
        if script:
            current = script
        chars.append(char)
    if chars:
        runs.append((current, "".join(chars)))
    return runs


def detect_script(text: str) -> str:
    """The script most of the letters are written in; "" when there are none."""
    counts: dict[str, int] = {}
    for char in text:
        script = _char_script(char)
        if script:
            counts[script] = counts.get(script, 0) + 1
    return max(counts, key=lambda script: counts[script]) if counts else ""


# --- Romanisers (chosen per script by bench/romanisers.py; anyascii when one is missing) ---


def _words(text: str) -> list[str]:
    return text.replace("\u200b", " ").split()


def _anyascii_words(text: str) -> str:
    # anyascii writes Chinese syllables as "LiXiaoLong": split them into tokens.
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", anyascii(text))


def _per_word(romanise_word: Callable[[str], str]) -> Callable[[str], str]:
    @functools.lru_cache(maxsize=65536)
    def cached(word: str) -> str:
        try:
            return romanise_word(word)
        except Exception:  # a romaniser choking on odd input must not lose the name
            return anyascii(word)

    return lambda text: " ".join(cached(word) for word in _words(text))


@functools.cache
def _thai() -> Callable[[str], str]:
    try:
        from pythainlp.transliterate import romanize
    except Exception:  # not installed, or broken: the fallback keeps names searchable
        return _anyascii_words
    return _per_word(lambda word: romanize(word, engine="royin"))


@functools.cache
def _khmer() -> Callable[[str], str]:
    try:
        import khmer_latin_name_transformer as kln  # type: ignore[import-untyped]
        import pynini

        # The package's to_latin() re-sorts its 40k-state transducer on every call (~0.15 s);
        # sorting once and composing directly gives the same best path in ~5 ms.
        names_fst = kln.km_latin_names_fst.copy().arcsort("ilabel")
    except Exception:  # pynini exists on Linux x86_64 only
        return _anyascii_words

    def word(text: str) -> str:
        khmer = "".join(char for char in text if _char_script(char) == "Khmr")
        if not khmer:
            return anyascii(text)
        try:
            lattice = pynini.accep(khmer, token_type="utf8") @ names_fst  # noqa: S106 (not a secret)
            best = pynini.shortestpath(lattice).project("output").rmepsilon()
            return str(best.string(token_type="utf8")).lower()  # noqa: S106
        except Exception:  # a letter the transducer has never seen: no path
            return anyascii(text)

    return _per_word(word)


@functools.cache
def _lao() -> Callable[[str], str]:
    try:
        import lao2ipa  # type: ignore[import-untyped]
    except Exception:
        return _anyascii_words
    return _per_word(lambda word: str(lao2ipa.transliterate(word, output="moh", ignore_tones=True)))


_ROMANISERS: dict[str, Callable[[], Callable[[str], str]]] = {
    "Thai": _thai,
    "Khmr": _khmer,
    "Laoo": _lao,
    "Mymr": lambda: burmese_romanise,
}


# One short word per script, romanised once by ``prepare_romanisers``.
_SAMPLES = {"Thai": "สมชาย", "Khmr": "សុខ", "Laoo": "ສົມ", "Mymr": "အောင်"}


def prepare_romanisers() -> None:
    """Load every romaniser now (their dictionaries and transducers load on first use:
    Thai about 1 s, Khmer about 0.1 s), so that a server's first name in such a script
    is not the one that waits. Called by the WSGI and ASGI entry points."""
    for script, sample in _SAMPLES.items():
        _ROMANISERS[script]()(sample)


def _fold_latin(text: str) -> str:
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return stripped if stripped.isascii() else anyascii(stripped)


def romanise(text: str) -> str:
    """ASCII romanisation with the best measured romaniser per script; Latin keeps its case
    and loses its diacritics (Nguyễn Thị Ánh -> Nguyen Thi Anh, đ -> d)."""
    pieces = []
    for script, run in _script_runs(unicodedata.normalize("NFC", text)):
        if script in ("Latn", ""):
            pieces.append(_fold_latin(run))
        else:
            romaniser = _ROMANISERS.get(script, lambda: _anyascii_words)()
            pieces.append(f" {_fold_latin(romaniser(run))} ")
    return " ".join("".join(pieces).split())


# --- Burmese: syllable-based, in the spelling people use on passports ----------------------
# Character-by-character romanisers write အောင်ဆန်းစုကြည် as "aaungsaannhcukyi"; the person
# writes "Aung San Suu Kyi", one word per syllable. No package does this; the rules below
# follow the common (not the MLC) convention. See docs/name-matching.md for its figures.

_MY_ONSETS = dict(
    zip(
        "ကခဂဃငစဆဇဈဉညဋဌဍဎဏတထဒဓနပဖဗဘမယရလဝသဟဠအဿဣဤဥဦဧဩဪ",
        _words("k kh g g ng s s z z ny ny t ht d d n t ht d d n p ph b b m y y l w th h l - th")
        + _words("i i u u e aw aw"),
        strict=True,
    )
)
_MY_FINAL_CLASS = {
    **dict.fromkeys("ကခဂဃ", "k"),
    "င": "ng",
    **dict.fromkeys("စဆဇဈ", "c"),
    **dict.fromkeys("ဉည", "ny"),
    **dict.fromkeys("ဋဌဍဎတထဒဓ", "t"),
    **dict.fromkeys("ဏန", "n"),
    **dict.fromkeys("ပဖဗဘ", "p"),
    "မ": "m",
    "ယ": "y",
    **dict.fromkeys("လဠ", "n"),
}
_MY_RHYMES = {
    ("", ""): "a",
    ("a", ""): "a",
    ("i", ""): "i",
    ("u", ""): "u",
    ("e", ""): "e",
    ("ai", ""): "e",
    ("aw", ""): "aw",
    ("o", ""): "o",
    ("", "k"): "et",
    ("o", "k"): "aik",
    ("aw", "k"): "auk",
    ("", "ng"): "in",
    ("o", "ng"): "aing",
    ("aw", "ng"): "aung",
    ("", "c"): "it",
    ("", "ny"): "i",
    ("", "t"): "at",
    ("i", "t"): "eik",
    ("u", "t"): "ok",
    ("", "n"): "an",
    ("i", "n"): "ein",
    ("u", "n"): "on",
    ("", "p"): "at",
    ("i", "p"): "eik",
    ("u", "p"): "ok",
    ("", "m"): "an",
    ("i", "m"): "ein",
    ("u", "m"): "on",
    ("", "y"): "e",
}
_MY_INDEPENDENT_VOWELS = frozenset("ဣဤဥဦဧဩဪ")
_MY_FINAL_LETTERS = {
    "": "",
    "k": "k",
    "ng": "ng",
    "c": "t",
    "ny": "n",
    "t": "t",
    "n": "n",
    "p": "p",
}
_MY_FINAL_LETTERS |= {"m": "m", "y": ""}
_MY_VOWEL_SIGNS = {"ါ": "a", "ာ": "a", "ိ": "i", "ီ": "i", "ု": "u", "ူ": "u", "ေ": "e", "ဲ": "ai"}
_MY_ASAT, _MY_VIRAMA, _MY_CREAKY, _MY_HIGH, _MY_ANUSVARA = (
    "\u103a",
    "\u1039",
    "\u1037",
    "\u1038",
    "\u1036",
)


@dataclass
class _Syllable:
    onset: str
    medials: str = ""
    vowels: str = ""
    final: str = ""
    creaky: bool = False
    high: bool = False


def _burmese_syllables(text: str) -> list[_Syllable | str]:
    out: list[_Syllable | str] = []
    current: _Syllable | None = None
    i = 0
    while i < len(text):
        char = text[i]
        if char in _MY_ONSETS:
            j = i + 1
            while j < len(text) and text[j] == _MY_CREAKY:
                j += 1
            closes = j < len(text) and text[j] in (_MY_ASAT, _MY_VIRAMA)
            if closes and current is not None and not current.final and char in _MY_FINAL_CLASS:
                current.final = _MY_FINAL_CLASS[char]
                current.creaky = current.creaky or j > i + 1
                i = j + 1
                continue
            current = _Syllable(onset=char)
            out.append(current)
        elif current is not None and char in "\u103b\u103c\u103d\u103e":
            current.medials += char
        elif current is not None and char in _MY_VOWEL_SIGNS:
            current.vowels += char
        elif current is not None and char == _MY_ANUSVARA:
            current.final = "m"
        elif current is not None and char == _MY_CREAKY:
            current.creaky = True
        elif current is not None and char == _MY_HIGH:
            current.high = True
        elif char not in (_MY_ASAT, _MY_VIRAMA):
            current = None
            out.append(char)
        i += 1
    return out


def _burmese_syllable(syllable: _Syllable) -> str:
    onset = _MY_ONSETS[syllable.onset].strip("-")
    if syllable.onset in _MY_INDEPENDENT_VOWELS:
        return onset + _MY_FINAL_LETTERS.get(syllable.final, "")
    medials = syllable.medials
    if "\u103b" in medials or "\u103c" in medials:
        onset = {"k": "ky", "kh": "ch", "g": "gy"}.get(onset, onset + "y")
    if "\u103e" in medials:
        onset = "sh" if onset in ("y", "ly") else "h" + onset
    signs = {_MY_VOWEL_SIGNS[sign] for sign in syllable.vowels}
    if {"e", "a"} <= signs:
        vowel = "aw"
    elif {"i", "u"} <= signs:
        vowel = "o"
    else:
        vowel = "".join(sorted(signs - {"a"}))  # a closed -a- rhymes like the inherent vowel
        vowel = vowel or ("a" if "a" in signs and not syllable.final else "")
    final = syllable.final
    if "\u103d" in medials and final in ("n", "m", "t", "p") and not vowel:
        rhyme = "u" + ("n" if final in ("n", "m") else "t")
    else:
        rhyme = _MY_RHYMES.get((vowel, final)) or (vowel or "a") + _MY_FINAL_LETTERS[final]
        if "\u103d" in medials:
            onset += "w"
    if syllable.creaky and rhyme.endswith("n"):
        rhyme += "t"  # a creaky nasal is written -nt: Myint, Thant, Nyunt
    elif syllable.high and not final:
        rhyme = {"e": "ay", "o": "oe"}.get(rhyme, rhyme)  # Htay, Soe
    return onset + rhyme


def burmese_romanise(text: str) -> str:
    """One Latin word per Burmese syllable: မင်းအောင်လှိုင် -> min aung hlaing."""
    pieces = []
    for piece in _burmese_syllables(unicodedata.normalize("NFC", text)):
        pieces.append(f" {_burmese_syllable(piece)} " if isinstance(piece, _Syllable) else piece)
    return " ".join("".join(pieces).split())


# --- Rules for names ---------------------------------------------------------------------


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Titles on ID cards and forms, removed from the written name before romanising it.
_NATIVE_TITLES = ("นางสาว", "นาย", "นาง", "น.ส.", "ด.ช.", "ด.ญ.", "เด็กชาย", "เด็กหญิง", "ดร.")
_NATIVE_TITLES_SPACED = ("คุณ", "ທ້າວ", "ນາງ", "ທ່ານ", "លោកស្រី", "លោក", "កញ្ញា", "អ្នកស្រី", "ឯកឧត្តម")
_BURMESE_TITLES = ("ဦး", "ဒေါ်")

# Removed wherever they stand: they are never part of a name.
TITLES_ANYWHERE = _word_set(
    "dr drs dra prof mr mrs ms mdm madam miss hj hjh haji hajjah hajah hajja sdr sdri "
    "sdra ir ustaz ustazah datuk dato datin atty engr jr sr ii iii iv oknha samdech "
    "chumteav"
)
# Removed only in the run of words a name starts with: elsewhere they are names
# (Tuấn -> "tuan", Puan Maharani, Burmese syllable "U"); the last word always stays.
TITLES_LEADING = _word_set("u daw pak bu ibu bapak bpk nyonya tn cik encik khun")
# Malay/Indonesian patronymic particles: "binti" and its spellings go everywhere, "bin" and
# the Indian-Malaysian a/l, a/p (son/daughter of) only between two names ("Li Bin" stays).
PARTICLES_ANYWHERE = _word_set("binti binte bte bt bint")
PARTICLES_BETWEEN = _word_set("bin b ibn ibni anak")
_SPANISH_PARTICLES = _word_set("de del dela delos delas della")
_LEADING_DROP = TITLES_LEADING | TITLES_ANYWHERE
_ANYWHERE_DROP = TITLES_ANYWHERE | PARTICLES_ANYWHERE
RESERVED_TOKENS = (
    TITLES_ANYWHERE | TITLES_LEADING | PARTICLES_ANYWHERE | PARTICLES_BETWEEN | _SPANISH_PARTICLES
)

VIETNAMESE_FAMILY_NAMES = _word_set(
    "nguyen tran le pham hoang huynh phan vu vo dang bui do ho ngo duong ly truong dinh "
    "trinh lam mai luong ha cao quach ton doan vuong thai kieu chau"
)
_VIETNAMESE_MIDDLE = _word_set("van thi huu duc dinh cong quoc ngoc thanh xuan kim minh")
_VIETNAMESE_LETTERS = re.compile("[ăâđêôơưĂÂĐÊÔƠƯ\u1ea0-\u1ef9]")
_FAMILY_FIRST_SCRIPTS = frozenset({"Hani", "Khmr", "Hang", "Jpan"})

_SLASH_PARTICLE = re.compile(r"(?i)(?<![a-z])(?:a\s*/\s*[lp]|[sd]\s*/\s*o)(?![a-z])")
_ABBREVIATIONS = (
    (re.compile(r"(?i)\bma\.(?=\s|$)"), "maria"),
    (re.compile(r"(?i)\bsta\."), "santa"),
)
_JOINERS = re.compile("['\u2019\u02bc`\u00b4-]")
_NON_LETTERS = re.compile("[^a-z]+")


def _strip_native_title(text: str) -> str:
    for title in _NATIVE_TITLES:
        if text.startswith(title) and len(text) > len(title):
            return text[len(title) :].lstrip()
    for title in _NATIVE_TITLES_SPACED:
        if text.startswith(title + " "):
            return text[len(title) + 1 :].lstrip()
    for title in _BURMESE_TITLES:
        rest = text[len(title) :].lstrip()
        if text.startswith(title) and rest and _char_script(rest[0]) == "Mymr":
            return rest
    return text


def _raw_tokens(written: str) -> list[str]:
    text = _SLASH_PARTICLE.sub(" bin ", written)
    for pattern, replacement in _ABBREVIATIONS:
        text = pattern.sub(replacement, text)
    latin = _JOINERS.sub("", romanise(text).lower())
    return _NON_LETTERS.sub(" ", latin).split()[:MAX_TOKENS]


def _merge_spanish_particles(tokens: list[str]) -> list[str]:
    merged: list[str] = []
    for token in tokens:
        if merged and merged[-1] in _SPANISH_PARTICLES:
            previous = merged.pop()
            if previous == "de" and token in ("la", "los", "las"):
                merged.append("de" + token)
                continue
            merged.append(previous + token)
            continue
        merged.append(token)
    return merged


def _drop_titles_and_particles(tokens: list[str]) -> list[str]:
    start = 0
    while start < len(tokens) - 1 and tokens[start] in _LEADING_DROP:
        start += 1
    rest = tokens[start:]
    kept = [t for t in rest if t not in _ANYWHERE_DROP] or rest[-1:]
    return [
        token
        for i, token in enumerate(kept)
        if not (token in PARTICLES_BETWEEN and 0 < i < len(kept) - 1)
    ]


def guess_family_first(written: str, tokens: Sequence[str], script: str) -> bool:
    """Family name first: Chinese, Khmer, Korean, Japanese scripts, and Vietnamese names
    (a Vietnamese family name first, with Vietnamese letters or a middle name like Văn/Thị)."""
    if script in _FAMILY_FIRST_SCRIPTS:
        return True
    if script != "Latn" or len(tokens) < 2 or tokens[0] not in VIETNAMESE_FAMILY_NAMES:
        return False
    if _VIETNAMESE_LETTERS.search(written):
        return True
    return tokens[1] in _VIETNAMESE_MIDDLE and tokens[-1] not in VIETNAMESE_FAMILY_NAMES


def name_keys(written: str, *, family_first: bool | None = None) -> NameKeys:
    """The matching keys of a name as written. Never raises; empty input gives EMPTY_KEYS."""
    text = " ".join(unicodedata.normalize("NFC", written[:MAX_INPUT_CHARS]).split())
    script = detect_script(text)
    if not script:
        return EMPTY_KEYS
    tokens = _drop_titles_and_particles(
        _merge_spanish_particles(_raw_tokens(_strip_native_title(text)))
    )
    if not tokens:
        return NameKeys(folded="", sorted_tokens="", phonetic="", tokens=(), script=script)
    if family_first is None:
        family_first = guess_family_first(text, tokens, script)
    if family_first and len(tokens) > 1:
        tokens = tokens[1:] + tokens[:1]
    return NameKeys(
        folded=" ".join(tokens),
        sorted_tokens=" ".join(sorted(tokens)),
        phonetic=" ".join(sorted(phonetic_token(token) for token in tokens)),
        tokens=tuple(tokens),
        script=script,
    )


# --- Phonetic key ------------------------------------------------------------------------

_MUHAMMAD = re.compile(r"^(?:m(?:u|o)?c?h?a?m{1,2}[ae]d|md|mhd|mohd|muhd|moh|moch|muh|mhmd|mmd)$")
_PHONETIC_RULES = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        ("(?<=[aeiou]n)e(?=[^aeiouy]|$)", ""),  # French-style Lao: Sone, Phomvihane, Sonexay
        ("oe", "u"),  # Soekarno = Sukarno (old Indonesian spelling), like dj, tj, sj below
        ("dj", "j"),
        ("tj", "c"),
        ("sj", "s"),
        ("ch(?=[bdfgklmnpqrstvwxz])", "h"),  # Achmad = Ahmad
        ("ph|f|p", "P"),  # ph is p in Thai and f in Vietnamese and Filipino
        ("th|dh|d|t", "T"),
        ("ng", "Q"),
        ("kh|gh|ck|k|g|q", "K"),
        ("sh|sy|x|z|s", "S"),  # Vietnamese and Lao x is s: Xaysomphone, Xuân
        ("ch|c|j", "J"),  # Thai จ: Jurin = Churin
        ("bh|b", "B"),
        ("v|w", "W"),  # Lao and Sanskrit-Thai v is w: Vichai = Wichai
        ("r|l", "L"),
        ("m", "M"),
        ("n", "N"),
        ("(?<=.)h", ""),  # Fatimah = Fatima, Muhammad = Muammad
        ("[aeiouy]+", "A"),
        (r"(.)\1+", r"\1"),  # double letters: Sitti = Siti
    )
)


@functools.lru_cache(maxsize=200_000)
def phonetic_token(token: str) -> str:
    """Phonetic code of one folded token, tolerant of the usual ASEAN spelling variants."""
    code = "muhammad" if _MUHAMMAD.match(token) else token
    for pattern, replacement in _PHONETIC_RULES:
        code = pattern.sub(replacement, code)
    return code.lower()


# --- Similarity --------------------------------------------------------------------------

# Names so common that sharing them says little (weight 0.4 instead of 1).
COMMON_TOKENS = _word_set(
    "muhammad ahmad abdul siti nur nurul sri dewi putri maria jose nguyen tran le pham "
    "hoang huynh phan vu vo dang bui do van thi aung kyaw win myint san min htet zaw sok "
    "chan kim somchai som"
)


def _weight(token: str) -> float:
    return 0.4 if token in COMMON_TOKENS or _MUHAMMAD.match(token) else 1.0


def _token_similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if len(a) == 1 or len(b) == 1:  # an initial: "M. Yusuf"
        return 0.8 if a[0] == b[0] else 0.0
    score = JaroWinkler.normalized_similarity(a, b)
    if phonetic_token(a) == phonetic_token(b):
        score = max(score, 0.92)
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= NICKNAME_MIN and short in long:
        # A nickname is usually a piece of the name: Parmi (Suparmi), Wati (Rahmawati),
        # Liha (Sholihah), Met (Slamet). Agreeing, but less than a spelling variant.
        score = max(score, 0.85)
    return score


def _token_score(a: Sequence[str], b: Sequence[str]) -> float:
    pairs = sorted(
        ((_token_similarity(x, y), i, j) for i, x in enumerate(a) for j, y in enumerate(b)),
        reverse=True,
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    total = weights = 0.0
    for score, i, j in pairs:
        if i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        weight = (
            max(_weight(a[i]), _weight(b[j])) if score < 0.85 else min(_weight(a[i]), _weight(b[j]))
        )
        total += weight * (score if score >= 0.85 else score**3)
        weights += weight
    extra = abs(len(a) - len(b))
    return (total / weights) * (1 - min(0.4, 0.15 * extra)) if weights else 0.0


def name_similarity(a: NameKeys, b: NameKeys) -> float:
    """0..1, symmetric: 1 for the same keys, high for swapped order, typos and spelling
    variants, about 0.85 for a mononym against the same name with one more word."""
    if not a.tokens or not b.tokens:
        return 1.0 if a.tokens == b.tokens else 0.0
    if a.folded == b.folded:
        return 1.0
    if a.sorted_tokens == b.sorted_tokens:
        return 0.97
    x, y = a.tokens[:MAX_TOKENS], b.tokens[:MAX_TOKENS]
    if len(x) > len(y) or (len(x) == len(y) and x > y):
        x, y = y, x  # the same order of arguments both ways keeps the score symmetric
    best = _token_score(x, y)
    # Spacing differs between writings ("Aung San Suu Kyi", "Aungsan Suukyi").
    for joined_a, joined_b in (("".join(x), "".join(y)), ("".join(sorted(x)), "".join(sorted(y)))):
        joined = Indel.normalized_similarity(joined_a, joined_b)
        if joined >= 0.85:
            best = max(best, 0.95 * joined)
    return round(min(1.0, max(0.0, best)), 6)
