"""Compare packaged romanisers on real names written both ways, and time name_keys.

    python -m bench.romanisers [--names 20000] [--data bench/data/names_romanised.csv]

For every script in the data and every romaniser that imports here, it prints
  romaniser_exact       share of names whose folded romanisation equals the folded
                        romanisation the person uses,
  romaniser_exact_nospace  the same with spaces ignored (Burmese writes no spaces),
  romaniser_jaro_winkler   mean Jaro-Winkler similarity of the two folded strings,
  romaniser_top1        share of names whose romanisation, searched by name_similarity
                        among all the romanised names of that script, finds its own first:
                        the figure that matters for search,
then name_keys throughput. Romanisers that are not installed are reported on stderr.
No Django settings are needed.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from rapidfuzz.distance import JaroWinkler

from pulang.registry import names
from pulang.registry.names import NameKeys, name_keys, name_similarity

DATA = Path(__file__).parent / "data" / "names_romanised.csv"
# Burmese rows added after the in-house Burmese rules were frozen (see docs/name-matching.md).
BURMESE_HELD_OUT = frozenset(
    [
        "Kyaw Ko Ko",
        "Mya Aye",
        "Aung Min",
        "Zaw Win Htut",
        "Nadi Wint Naing",
        "Pho Kyawt",
        "Daw Khin Kyi",
        "Ma Ma Lay",
        "Nyan Win",
        "Phyo Min Thein",
    ]
)

Romaniser = Callable[[str], str]


def emit(**fields: object) -> None:
    print(json.dumps(fields, ensure_ascii=False), flush=True)


def note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _words(romanise_word: Romaniser) -> Romaniser:
    return lambda text: " ".join(romanise_word(word) for word in text.split())


def candidates() -> dict[str, dict[str, Romaniser]]:
    """Every romaniser that can be imported here, by script."""
    found: dict[str, dict[str, Romaniser]] = defaultdict(dict)
    found["Mymr"]["pulang-syllables"] = names.burmese_romanise
    found["Latn"]["pulang-fold"] = names.romanise
    try:
        from pythainlp.transliterate import romanize

        for engine in ("royin", "lookup", "tltk", "thai2rom", "thai2rom_onnx"):
            try:
                romanize("สมชาย", engine=engine)
            except Exception as error:  # engines that need a model download or torch
                note(f"skipped pythainlp-{engine}: {type(error).__name__}: {error}"[:200])
                continue
            found["Thai"][f"pythainlp-{engine}"] = _words(
                lambda word, engine=engine: romanize(word, engine=engine)
            )
    except ImportError:
        note("skipped pythainlp: not installed")
    try:
        import icu  # type: ignore[import-not-found]

        def icu_romaniser(rule: str) -> Romaniser:
            transliterator = icu.Transliterator.createInstance(rule)
            return lambda text: str(transliterator.transliterate(text))

        any_latin = icu_romaniser("Any-Latin; Latin-ASCII")
        for script in ("Thai", "Khmr", "Laoo", "Mymr", "Latn"):
            found[script]["icu-any-latin"] = any_latin
        found["Thai"]["icu-thai-latin"] = icu_romaniser("Thai-Latin; Latin-ASCII")
        found["Mymr"]["icu-burmese-latin"] = icu_romaniser("Burmese-Latin; Latin-ASCII")
        note(f"ICU {icu.ICU_VERSION}, PyICU {icu.VERSION}")
    except ImportError:
        note("skipped icu (PyICU): not installed")
    try:
        import uroman  # type: ignore[import-untyped]

        engine = uroman.Uroman()
        for script in ("Thai", "Khmr", "Laoo", "Mymr", "Latn"):
            found[script]["uroman"] = lambda text, engine=engine: str(engine.romanize_string(text))
    except ImportError:
        note("skipped uroman: not installed")
    try:
        import khmer_latin_name_transformer as kln  # type: ignore[import-untyped]

        found["Khmr"]["khmer-latin-name-transformer"] = _words(kln.to_latin)
        found["Khmr"]["khmer-latin-name-transformer-fast"] = lambda text: fresh_khmer(text)
    except ImportError:
        note("skipped khmer-latin-name-transformer: not installed")
    try:
        import lao2ipa  # type: ignore[import-untyped]

        found["Laoo"]["lao2ipa-moh"] = _words(
            lambda word: str(lao2ipa.transliterate(word, output="moh", ignore_tones=True))
        )
    except ImportError:
        note("skipped lao2ipa: not installed")
    try:
        from laonlp.transliterate import lao2thai_script, transliterate

        found["Laoo"]["laonlp-moh2020"] = lambda text: str(transliterate(text, engine="moh2020"))
        found["Laoo"]["laonlp-anyascii"] = lambda text: str(transliterate(text))
        if "pythainlp-royin" in found["Thai"]:
            thai_royin = found["Thai"]["pythainlp-royin"]
            found["Laoo"]["laonlp-lao2thai+pythainlp-royin"] = lambda text: thai_royin(
                str(lao2thai_script(text))
            )
    except ImportError:
        note("skipped laonlp: not installed")
    try:
        from anyascii import anyascii

        for script in ("Thai", "Khmr", "Laoo", "Mymr", "Latn"):
            found[script]["anyascii"] = anyascii
    except ImportError:
        note("skipped anyascii: not installed")
    try:
        from unidecode import unidecode

        for script in ("Thai", "Khmr", "Laoo", "Mymr", "Latn"):
            found[script]["unidecode"] = unidecode
    except ImportError:
        note("skipped unidecode: not installed")
    for script in ("Thai", "Khmr", "Laoo", "Mymr"):
        # What the registry itself computes from the written name (the chosen romaniser).
        found[script]["pulang-romanise"] = names.romanise
    return found


def fresh_khmer(text: str) -> str:
    return names._khmer()(text)


def load(path: Path) -> dict[str, list[tuple[str, str]]]:
    rows: dict[str, list[tuple[str, str]]] = defaultdict(list)
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rows[row["script"]].append((row["written"], row["romanised_as_used"]))
    return rows


def ascii_only(text: str) -> str:
    """A romaniser's output as plain ASCII: diacritics dropped, and whatever it left in the
    source script dropped too, so that name_keys does not romanise it a second time."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if char.isascii())


def folded(text: str) -> str:
    return name_keys(ascii_only(text), family_first=False).folded


def fresh(script: str) -> Romaniser:
    """The registry's own romaniser for a script, with empty per-word caches."""
    for loader in (names._thai, names._khmer, names._lao):
        loader.cache_clear()
    return names._ROMANISERS[script]()


def top1_hits(queries: list[NameKeys], targets: list[NameKeys]) -> list[bool]:
    """For each query, whether its own target (same index) scores strictly highest."""
    hits = []
    for i, query in enumerate(queries):
        scores = [name_similarity(query, target) for target in targets]
        best = max(scores)
        hits.append(scores[i] == best and scores.count(best) == 1)
    return hits


def compare(rows: dict[str, list[tuple[str, str]]]) -> None:
    for script, romanisers in sorted(candidates().items()):
        data = rows.get(script, [])
        if not data:
            continue
        family_first = script in ("Khmr",)
        gold_folded = [folded(used) for _, used in data]
        # The romanised names as the registry stores them (family-first guessed as usual).
        targets = [name_keys(used) for _, used in data]
        others = [name_keys(used) for rows_of in rows.values() for _, used in rows_of]
        others = [keys for keys in others if keys not in targets]
        for label, romaniser in sorted(romanisers.items()):
            if script in names._ROMANISERS:
                fresh(script)  # per-word caches start empty for every romaniser timed
            started = time.perf_counter()
            try:
                outputs = [romaniser(written) for written, _ in data]
            except Exception as error:
                note(f"{script} {label} failed: {type(error).__name__}: {error}"[:200])
                continue
            seconds = time.perf_counter() - started
            mine = [folded(output) for output in outputs]
            n = len(data)
            exact = sum(a == b for a, b in zip(mine, gold_folded, strict=True)) / n
            nospace = sum(
                a.replace(" ", "") == b.replace(" ", "")
                for a, b in zip(mine, gold_folded, strict=True)
            )
            jaro = sum(
                JaroWinkler.normalized_similarity(a, b)
                for a, b in zip(mine, gold_folded, strict=True)
            )
            queries = [
                name_keys(ascii_only(output), family_first=family_first) for output in outputs
            ]
            own = [name_similarity(q, t) for q, t in zip(queries, targets, strict=True)]
            common = {"script": script, "romaniser": label, "n": n}
            emit(metric="romaniser_exact", value=round(exact, 3), **common)
            emit(metric="romaniser_exact_nospace", value=round(nospace / n, 3), **common)
            emit(metric="romaniser_jaro_winkler", value=round(jaro / n, 3), **common)
            hits = top1_hits(queries, targets)
            pooled = top1_hits(queries, targets + others)
            emit(metric="romaniser_top1", value=round(sum(hits) / n, 3), **common)
            emit(metric="romaniser_top1_pooled", value=round(sum(pooled) / n, 3), **common)
            emit(metric="romaniser_own_similarity", value=round(sum(own) / n, 3), **common)
            emit(metric="romaniser_ms_per_name", value=round(1000 * seconds / n, 3), **common)
            if script == "Mymr":
                held = [i for i, (_, used) in enumerate(data) if used in BURMESE_HELD_OUT]
                if held:
                    emit(
                        metric="romaniser_top1_held_out",
                        value=round(sum(hits[i] for i in held) / len(held), 3),
                        script=script,
                        romaniser=label,
                        n=len(held),
                    )
            if label in ("pulang-romanise", "pulang-fold"):
                for (written, used), output in zip(data, outputs, strict=True):
                    note(f"{script} {written} -> {output!r} (uses {used!r})")


GIVEN = [
    "Siti",
    "Nur",
    "Aisyah",
    "Dewi",
    "Sri",
    "Wahyuni",
    "Budi",
    "Agus",
    "Suparmi",
    "Suparman",
    "Rina",
    "Maria",
    "Jose",
    "Cristina",
    "Juan",
    "Ana",
    "Mark",
    "John",
    "Rosalie",
    "Nguyen",
    "Van",
    "Thi",
    "Anh",
    "Minh",
    "Hoa",
    "Thanh",
    "Tuan",
    "Linh",
    "Somchai",
    "Somsak",
    "Kanya",
    "Mohd",
    "Muhammad",
    "Ahmad",
    "Nurul",
    "Farah",
    "Aung",
    "Kyaw",
    "Thida",
    "Sokha",
    "Dara",
    "Bounmy",
    "Khamla",
]
FAMILY = [
    "Santos",
    "Reyes",
    "Cruz",
    "Garcia",
    "Mendoza",
    "Bautista",
    "Hidayat",
    "Saputra",
    "Wijaya",
    "Lestari",
    "Setiawan",
    "Nguyen",
    "Tran",
    "Le",
    "Pham",
    "Hoang",
    "Phan",
    "Vu",
    "Ismail",
    "Abdullah",
    "Rahman",
    "Hassan",
    "Sukarno",
    "Prasetyo",
]
PREFIX = ("", "", "", "", "Hj. ", "Dr ", "Ibu ", "Bapak ", "Mr ", "Ma. ")


def latin_names(count: int, seed: int = 20240601) -> list[str]:
    rng = random.Random(seed)
    made = []
    for _ in range(count):
        shape = rng.random()
        given = rng.sample(GIVEN, rng.choice((1, 1, 2, 2, 3)))
        if shape < 0.15:
            made.append(rng.choice(PREFIX) + given[0])  # a mononym
        elif shape < 0.3:
            made.append(
                f"{' '.join(given)} {rng.choice(('bin', 'binti', 'a/l'))} {rng.choice(FAMILY)}"
            )
        elif shape < 0.4:
            made.append(
                f"Nguyễn {rng.choice(('Văn', 'Thị'))} {rng.choice(('Ánh', 'Đức', 'Hương', 'Tuấn'))}"
            )
        else:
            made.append(rng.choice(PREFIX) + " ".join(given) + " " + rng.choice(FAMILY))
    return made


def throughput(count: int, rows: dict[str, list[tuple[str, str]]]) -> None:
    made = latin_names(count)
    names.phonetic_token.cache_clear()
    started = time.perf_counter()
    for written in made:
        name_keys(written)
    seconds = time.perf_counter() - started
    emit(
        metric="name_keys_per_s",
        script="Latn",
        value=round(count / seconds),
        unit="names/s",
        n=count,
    )
    for script in ("Thai", "Khmr", "Laoo", "Mymr"):
        written_rows = [written for written, _ in rows.get(script, [])]
        if not written_rows:
            continue
        for state in ("cold", "warm"):
            if state == "cold":
                names._ROMANISERS[script]()  # load the package outside the timing
                for loader in (names._thai, names._khmer, names._lao):
                    loader.cache_clear()
                names._ROMANISERS[script]()
            started = time.perf_counter()
            for written in written_rows:
                name_keys(written)
            seconds = time.perf_counter() - started
            emit(
                metric="name_keys_per_s",
                script=script,
                cache=state,
                value=round(len(written_rows) / seconds),
                unit="names/s",
                n=len(written_rows),
            )
    pairs = [(name_keys(a), name_keys(b)) for a, b in zip(made, reversed(made), strict=True)]
    started = time.perf_counter()
    for a, b in pairs:
        name_similarity(a, b)
    seconds = time.perf_counter() - started
    emit(
        metric="name_similarity_per_s",
        value=round(len(pairs) / seconds),
        unit="pairs/s",
        n=len(pairs),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--names", type=int, default=20000, help="Latin names to time")
    args = parser.parse_args()
    rows = load(args.data)
    compare(rows)
    throughput(args.names, rows)


if __name__ == "__main__":
    main()
