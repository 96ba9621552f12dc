"""Names: drawn per country and naming tradition, then written the way one channel would
write them (own script or romanised, order, middle name, bin/binti, nickname, capitals),
and corrupted the way clerks and forms corrupt them (typos, spelling variants)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from random import Random

from pulang.registry.synthetic.data import NATIVE_SCRIPT_COUNTRIES, Lists, Part, Pool, fold

# Keys next to each other on a QWERTY keyboard, for substitution typos.
_ADJACENT = {
    "a": "qwsz", "b": "vghn", "c": "xdfv", "d": "serfcx", "e": "wsdr", "f": "drtgvc",
    "g": "ftyhbv", "h": "gyujnb", "i": "ujko", "j": "huikmn", "k": "jiolm", "l": "kop",
    "m": "njk", "n": "bhjm", "o": "iklp", "p": "ol", "q": "wa", "r": "edft", "s": "awedxz",
    "t": "rfgy", "u": "yhji", "v": "cfgb", "w": "qase", "x": "zsdc", "y": "tghu", "z": "asx",
}  # fmt: skip
_ABDUL = tuple(
    Part(n, (n,), ())
    for n in ("Rahman", "Aziz", "Karim", "Malik", "Ghofur", "Rozak", "Wahab", "Latif", "Kadir")
)
_SYLLABLES = Pool((1, 2, 3, 4), (3, 50, 40, 7))
_PATRONYM = {"F": ("binti", "bt", "bte", "binte"), "M": ("bin", "b.", "bin")}


@dataclass(frozen=True, slots=True)
class Name:
    """A human being's name, element by element, independent of how anyone writes it."""

    country: str
    given: tuple[Part, ...]
    middle: tuple[Part, ...] = ()  # Filipino mother's surname; Vietnamese middle names
    family: tuple[Part, ...] = ()
    father: Part | None = None  # for "bin"/"binti" (Indonesia)
    honorific: Part | None = None  # Thai, Lao and Burmese titles a form may or may not carry
    sex: str = "F"


@dataclass(slots=True)
class Writing:
    """How one record writes the name."""

    native: bool = False  # own script (Thai, Khmer, Lao, Burmese) or Vietnamese diacritics
    with_native: bool = False  # a romanised record that also keeps the name in own script
    patronym: bool = False
    honorific: bool = False
    middle: str = "full"  # "full", "initial" or "none" (Philippines)
    swapped: bool = False  # family name where the given name belongs
    split_last: bool = False  # passport layout: the last word is the family name
    upper: bool = False
    short: bool = False  # one element dropped: "Aminah" for "Siti Aminah"
    nickname: str = ""  # "primary" (the nickname is the name) or "alias"
    spelling: bool = False  # another romanisation or spelling of one element
    typo: bool = False


@dataclass(frozen=True, slots=True)
class Written:
    full: str
    given: str
    family: str
    native: str = ""  # the name in own script, kept beside a romanised primary
    alias: str = ""


def _one(pool: Pool[Part] | None, rng: Random) -> tuple[Part, ...]:
    return (pool.pick(rng),) if pool is not None else ()


def make_name(lists: Lists, country: str, sex: str, style: str, rng: Random) -> Name:
    """A new name from the country's lists for one naming tradition (``style``)."""
    names = lists.names_for
    if country == "ID":
        return _indonesian(lists, sex, style, rng)
    if country == "PH":
        given = _one(names("PH", "given", sex, style), rng)
        if sex == "F" and style == "christian" and rng.random() < 0.2 and given:
            maria = Part("Maria", ("Maria", "Ma.", "Ma"), ("Mia",))
            if given[0].written != "Maria":
                given = (maria, *given)
        families = names("PH", "family", sex, style)
        family = _one(families, rng)
        middle = _one(families, rng)
        honorific = None
        if style == "muslim" and rng.random() < 0.1:
            honorific = _one(names("PH", "prefix", sex, style), rng)[0]
        return Name("PH", given, middle, family, None, honorific, sex)
    if country == "VN":
        middle = _one(names("VN", "middle", sex), rng)
        if middle and middle[0].written == "Thị" and rng.random() < 0.2:
            second = _one(names("VN", "middle", sex), rng)  # "Nguyễn Thị Thu Hương"
            if second and second[0].written != "Thị":
                middle += second
        return Name(
            "VN",
            _one(names("VN", "given", sex), rng),
            middle,
            _one(names("VN", "family", sex), rng),
            sex=sex,
        )
    if country == "MM":
        syllables = names("MM", "syllable", sex)
        count = _SYLLABLES.pick(rng)
        given = tuple(syllables.pick(rng) for _ in range(count)) if syllables else ()
        if count >= 2 and rng.random() < 0.2:
            given = (given[0], given[0], *given[2:])  # "Mya Mya", "Aung Aung"
        titles = _one(names("MM", "prefix", sex), rng)
        return Name("MM", given, honorific=titles[0] if titles else None, sex=sex)
    titles = _one(names(country, "prefix", sex), rng)
    return Name(
        country,
        _one(names(country, "given", sex), rng),
        family=_one(names(country, "family", sex), rng),
        honorific=titles[0] if titles else None,
        sex=sex,
    )


def _indonesian(lists: Lists, sex: str, style: str, rng: Random) -> Name:
    # Javanese two-part names take their second element from the common modern stock
    # (Sri Lestari, Eko Prasetyo); other traditions borrow from the Muslim one.
    fallback = "modern" if style == "jv" else "muslim"

    def pool(part: str) -> Pool[Part] | None:
        return lists.names_for("ID", part, sex, style) or lists.names_for("ID", part, sex, fallback)

    given: tuple[Part, ...]
    family: tuple[Part, ...] = ()
    two_part = {"jv": 0.3, "su": 0.4, "muslim": 0.8, "modern": 0.8, "sasak": 0.35}
    if style in {"ntt", "batak"}:
        given = _one(pool("single"), rng)
        if style == "ntt" and rng.random() < 0.15:
            given += _one(pool("single"), rng)
        family = _one(pool("family"), rng)
    elif style == "bali":
        given = _one(pool("prefix"), rng) + _one(pool("order"), rng)
        if rng.random() < 0.3:
            given += _one(pool("order"), rng)
        given += _one(pool("single"), rng)
    elif rng.random() < two_part.get(style, 0.5):
        given = _one(pool("first"), rng) + _one(pool("second"), rng)
        if given[0].written == "Abdul":
            # "Abdul" joins one of the names of God: Abdul Rahman, Abdul Aziz, …
            given = (given[0], rng.choice(_ABDUL))
        if style in {"muslim", "modern"} and rng.random() < 0.12:
            # A third element: "Muhammad Rizky Pratama", "Siti Aisyah Rahmawati".
            given += _one(lists.names_for("ID", "second", sex, "modern"), rng)
    else:
        given = _one(pool("single"), rng)
    if style == "sasak" and rng.random() < 0.1:
        given = _one(pool("prefix"), rng) + given
    fathers = lists.names_for("ID", "father", "M", style) or lists.names_for(
        "ID", "father", "M", "muslim"
    )
    father = fathers.pick(rng) if fathers else None
    return Name("ID", given, (), family, father, None, sex)


def _nickname(name: Name, rng: Random) -> str:
    for part in (*name.given, *name.family):
        if part.nicknames and part.written not in {"Siti", "Muhammad", "Maria", "Nur", "Ni", "I"}:
            return rng.choice(part.nicknames)
    last = name.given[-1].latin[0] if name.given else ""
    if last.startswith("Su") and len(last) > 5:
        return last[2:].capitalize()  # Javanese "Su-" (good) is dropped in speech
    return last


def _typo(text: str, rng: Random) -> str:
    if len(text) < 3:
        return text
    i = rng.randrange(1, len(text))
    char = text[i]
    kind = rng.random()
    if not char.isascii() or not char.isalpha():
        return text[:i] + text[i + 1 :] if char.strip() else text  # drop a mark or letter
    if kind < 0.35:
        near = _ADJACENT.get(char.lower(), char)
        new = rng.choice(near)
        return text[:i] + (new.upper() if char.isupper() else new) + text[i + 1 :]
    if kind < 0.6:
        return text[:i] + text[i + 1 :]
    if kind < 0.8:
        return text[:i] + char + text[i:]
    if i + 1 < len(text):
        return text[:i] + text[i + 1] + char + text[i + 2 :]
    return text[:i] + text[i + 1 :]


def _respell(text: str, lists: Lists, rng: Random) -> str:
    """Another spelling of the same element, or a rule of the old Dutch-era spelling."""
    forms = lists.variants.get(text.lower())
    if forms:
        others = [f for f in forms if f.lower() != text.lower()]
        if others:
            return rng.choice(others)
    for new, old in (("u", "oe"), ("j", "dj"), ("y", "j"), ("kh", "ch"), ("c", "tj")):
        if new in text and rng.random() < 0.7:
            return text.replace(new, old, 1)
    return fold(text) if fold(text) != text else _typo(text, rng)


def _text(part: Part, native: bool, rng: Random, vary: bool) -> str:
    if native:
        return part.written
    if vary and len(part.latin) > 1:
        return rng.choice(part.latin[1:])
    return part.latin[0]


def write_name(name: Name, how: Writing, lists: Lists, rng: Random) -> Written:
    """The name as one record writes it."""
    country = name.country
    native = how.native and (country in NATIVE_SCRIPT_COUNTRIES or country == "VN")
    in_own_script = native and country in NATIVE_SCRIPT_COUNTRIES
    given_parts = list(name.given)
    if how.short and len(given_parts) > 1:
        given_parts.pop(0 if rng.random() < 0.7 else -1)
    # Which element gets another romanisation: one only, as a second clerk would do.
    vary_at = -1
    elements = [*given_parts, *name.middle, *name.family]
    if how.spelling and elements:
        vary_at = rng.randrange(len(elements))

    def texts(parts: list[Part] | tuple[Part, ...], offset: int) -> list[str]:
        return [_text(p, native, rng, offset + i == vary_at) for i, p in enumerate(parts)]

    given = texts(given_parts, 0)
    middle = texts(name.middle, len(given_parts))
    family = texts(name.family, len(given_parts) + len(name.middle))
    if vary_at >= 0 and not native:
        # Latin-only lists (Indonesia, Philippines, Vietnam) vary through spelling rules.
        flat = [*given, *middle, *family]
        if flat[vary_at] == elements[vary_at].latin[0]:
            flat[vary_at] = _respell(flat[vary_at], lists, rng)
            given = flat[: len(given)]
            middle = flat[len(given) : len(given) + len(middle)]
            family = flat[len(given) + len(middle) :]
    elif vary_at >= 0 and country == "VN":
        family = [fold(t) for t in family]  # diacritics lost on one part only

    if country == "PH" and middle:
        if how.middle == "initial":
            middle = [m[0] + "." for m in middle]
        elif how.middle == "none" or how.short:
            middle = []
    if country == "VN" and how.short:
        middle = []
    patronym: list[str] = []
    if how.patronym and name.father is not None and country == "ID":
        patronym = [rng.choice(_PATRONYM[name.sex]), name.father.latin[0]]

    honorific = ""
    if how.honorific and name.honorific is not None:
        honorific = _text(name.honorific, in_own_script, rng, False)

    # Nickname as the name itself.
    if how.nickname == "primary":
        nick = _nickname(name, rng)
        if country in {"PH", "LA"} or (country == "TH" and rng.random() < 0.5):
            given, middle, patronym = [nick], [], []
        elif country in {"VN", "KH", "MM"}:
            given = given[-1:] if country != "MM" else given
            middle, family, patronym = [], [], []
        else:
            given, middle, family, patronym = [nick], [], [], []
        native = in_own_script = False

    if how.typo:
        pools = [lst for lst in (given, family, middle) if lst and not in_own_script]
        if pools:
            target = rng.choice(pools)
            j = rng.randrange(len(target))
            target[j] = _typo(target[j], rng)

    given_text = " ".join(given)
    family_text = " ".join(family)
    parts = _ordered(country, given, middle, family, patronym, how.swapped)
    if in_own_script and country == "MM":
        full = "".join(parts)
        given_text = full
    else:
        full = " ".join(parts)
    if country == "PH" and how.swapped and family:
        full = f"{family_text}, " + " ".join([*given, *middle])
    if honorific:
        attach = in_own_script and country in {"TH", "MM"}
        full = f"{honorific}{'' if attach else ' '}{full}"
    if country == "VN":
        given_text = " ".join([*middle, *given])
    elif patronym:
        given_text = " ".join([*given, *patronym])
    if how.split_last and not family_text:
        words = full.split()
        given_text, family_text = " ".join(words[:-1]), words[-1] if words else ""
    elif how.swapped and family_text:
        given_text, family_text = family_text, given_text
    if how.upper and not in_own_script:
        full, given_text, family_text = full.upper(), given_text.upper(), family_text.upper()

    native_text = ""
    if how.with_native and not in_own_script and country in NATIVE_SCRIPT_COUNTRIES:
        plain = replace(
            how,
            native=True,
            with_native=False,
            typo=False,
            spelling=False,
            upper=False,
            nickname="",
            swapped=False,
        )
        native_text = write_name(name, plain, lists, rng).full
    alias = _nickname(name, rng) if how.nickname == "alias" else ""
    return Written(
        full=_clean(full)[:200],
        given=_clean(given_text)[:120],
        family=_clean(family_text)[:120],
        native=native_text[:200],
        alias=alias[:200],
    )


_SPACES = re.compile(r"\s+")


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _ordered(
    country: str,
    given: list[str],
    middle: list[str],
    family: list[str],
    patronym: list[str],
    swapped: bool,
) -> list[str]:
    family_first = country in {"VN", "KH"}
    if swapped:
        family_first = not family_first
        if not family and len(given) > 1 and country == "ID":
            return [*given[1:], given[0], *patronym]
    if country == "VN":
        return [*family, *middle, *given] if family_first else [*middle, *given, *family]
    if family_first:
        return [*family, *middle, *given, *patronym]
    return [*given, *middle, *family, *patronym]
