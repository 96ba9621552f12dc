"""Name matching keys: the rules, one concrete case each, and properties over any text."""

from __future__ import annotations

import importlib.util
import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pulang.registry.names import (
    EMPTY_KEYS,
    MAX_TOKENS,
    PARTICLES_ANYWHERE,
    PARTICLES_BETWEEN,
    RESERVED_TOKENS,
    TITLES_ANYWHERE,
    TITLES_LEADING,
    NameKeys,
    burmese_romanise,
    detect_script,
    name_keys,
    name_similarity,
    phonetic_token,
    romanise,
)

needs_khmer = pytest.mark.skipif(
    importlib.util.find_spec("khmer_latin_name_transformer") is None,
    reason="khmer-latin-name-transformer (pynini) is installed on Linux x86_64 only",
)
FOLDED = re.compile(r"^(?:[a-z]+(?: [a-z]+)*)?$")


def folded(written: str) -> str:
    return name_keys(written).folded


# --- Empty and odd input -------------------------------------------------------------------


@pytest.mark.parametrize("written", ["", "   ", "\t\n", "123 456", "--- ., ;"])
def test_empty_or_letterless_input_gives_empty_keys(written: str) -> None:
    assert name_keys(written) == EMPTY_KEYS


def test_very_long_input_is_cut_to_a_bounded_number_of_tokens() -> None:
    keys = name_keys("Siti Aminah " * 50_000)
    assert keys.tokens == ("siti", "aminah") * (MAX_TOKENS // 2)


# --- Latin: case, spacing, diacritics, apostrophes, hyphens, initials ---------------------


def test_vietnamese_diacritics_fold_and_family_name_moves_last() -> None:
    assert romanise("Nguyễn Thị Ánh") == "Nguyen Thi Anh"
    assert romanise("Đặng Thái Sơn") == "Dang Thai Son"
    assert name_keys("Nguyễn Thị Ánh") == NameKeys(
        folded="thi anh nguyen",
        sorted_tokens="anh nguyen thi",
        phonetic="an qan ta",
        tokens=("thi", "anh", "nguyen"),
        script="Latn",
    )


def test_case_and_spacing_fold() -> None:
    assert folded("  SITI   nur\tAISYAH ") == "siti nur aisyah"


def test_apostrophes_and_hyphens_join_the_parts() -> None:
    assert folded("Ma'ruf Amin") == "maruf amin"
    assert folded("Prayut Chan-o-cha") == "prayut chanocha"
    assert folded("O\u2019Brien") == "obrien"  # a typographic apostrophe


def test_initials_stay_as_tokens() -> None:
    assert name_keys("M. Yusuf").tokens == ("m", "yusuf")


def test_filipino_middle_name_is_kept_and_particles_join_the_surname() -> None:
    assert folded("Maria Clara Santos Reyes") == "maria clara santos reyes"
    assert folded("Juan de la Cruz") == "juan delacruz"
    assert folded("Juan Dela Cruz") == "juan delacruz"
    assert folded("Ma. Cristina Del Rosario") == "maria cristina delrosario"


# --- Honorifics and particles -------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Hj. Muhammad bin Ismail", "muhammad ismail"),
        ("Hajjah Siti Aminah binti Abdullah", "siti aminah abdullah"),
        ("Ahmad bin Haji Ismail", "ahmad ismail"),
        ("Nurul Huda bt. Hassan", "nurul huda hassan"),
        ("Nur Aisyah bte Rahman", "nur aisyah rahman"),
        ("Muthu a/l Rajan", "muthu rajan"),
        ("Kavitha A/P Subramaniam", "kavitha subramaniam"),
        ("Jugah anak Barieng", "jugah barieng"),
        ("Ibu Siti Aminah", "siti aminah"),
        ("Bapak Suparman", "suparman"),
        ("Bpk. Budi Santoso", "budi santoso"),
        ("Dr. Jose Rizal Jr.", "jose rizal"),
        ("Mrs Rosalie Bautista", "rosalie bautista"),
        ("Encik Ahmad Faizal", "ahmad faizal"),
        ("Sdri. Rina Lestari", "rina lestari"),
    ],
)
def test_honorifics_and_patronymic_particles_are_removed(written: str, expected: str) -> None:
    assert folded(written) == expected


def test_bin_stays_when_it_is_a_name() -> None:
    # Chinese given name Bin, and a lone particle-like word, are names.
    assert folded("Li Bin") == "li bin"
    assert folded("Bin Chhin") == "bin chhin"


def test_a_title_alone_is_kept_as_the_name() -> None:
    assert folded("Haji") == "haji"
    assert folded("Pak") == "pak"


def test_tuan_puan_and_nona_are_names_not_titles() -> None:
    # Vietnamese Tuấn and Indonesian Puan are common given names.
    assert folded("Tuan Anh Nguyen") == "tuan anh nguyen"
    assert folded("Puan Maharani") == "puan maharani"


# --- Burmese ------------------------------------------------------------------------------


def test_burmese_u_and_daw_are_titles_in_front_only() -> None:
    assert folded("U Thein Sein") == "thein sein"
    assert folded("Daw Aung San Suu Kyi") == "aung san suu kyi"
    assert folded("U Nu") == "nu"
    assert folded("Win Myint Oo") == "win myint oo"
    assert folded("Thiha U") == "thiha u"


def test_burmese_ko_ma_maung_are_kept_as_part_of_the_name() -> None:
    assert folded("Ma Thida") == "ma thida"
    assert folded("Ko Ko Gyi") == "ko ko gyi"
    assert folded("Maung Maung") == "maung maung"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("မင်းအောင်လှိုင်", "min aung hlaing"),
        ("အောင်ဆန်းစုကြည်", "aung san su kyi"),
        ("ခင်ညွန့်", "khin nyunt"),
        ("ရွှေမန်း", "shwe man"),
        ("ကျော်တင့်ဆွေ", "kyaw tint swe"),
        ("ဇော်ဌေး", "zaw htay"),
        ("စိုးဝင်း", "soe win"),
    ],
)
def test_burmese_is_romanised_one_word_per_syllable(written: str, expected: str) -> None:
    assert burmese_romanise(written) == expected


def test_burmese_script_title_is_removed() -> None:
    keys = name_keys("ဦးသိန်းစိန်")
    assert (keys.folded, keys.script) == ("thein sein", "Mymr")


# --- Other scripts ------------------------------------------------------------------------


def test_thai_is_romanised_and_the_id_card_title_removed() -> None:
    assert name_keys("สมชาย วงศ์สวัสดิ์") == NameKeys(
        folded="somchai wongswat",
        sorted_tokens="somchai wongswat",
        phonetic="samja waqswat",
        tokens=("somchai", "wongswat"),
        script="Thai",
    )
    assert folded("นายสมชาย ใจดี") == "somchai chaidi"
    assert folded("นางสาวสมศรี ใจดี") == "somsri chaidi"


def test_lao_is_romanised() -> None:
    keys = name_keys("ທອງລຸນ ສີສຸລິດ")
    assert (keys.folded, keys.script) == ("thongloun sisoulit", "Laoo")


@needs_khmer
def test_khmer_is_romanised_as_names_and_given_family_first() -> None:
    keys = name_keys("សុខ ចិន្តា")
    assert (keys.folded, keys.sorted_tokens, keys.script) == ("chenda sok", "chenda sok", "Khmr")
    assert folded("ហ៊ុន សែន") == "sen hun"


def test_chinese_characters_are_romanised_family_first() -> None:
    keys = name_keys("李小龍")
    assert (keys.folded, keys.script) == ("xiao long li", "Hani")


def test_mixed_scripts_romanise_each_run() -> None:
    assert romanise("สมชาย Smith") == "somchai Smith"
    assert detect_script("Somchai สมชาย") == "Latn"


# --- Order --------------------------------------------------------------------------------


def test_vietnamese_order_is_guessed_from_a_family_name_and_middle_name() -> None:
    assert folded("Nguyen Van An") == "van an nguyen"
    assert folded("An Van Nguyen") == "an van nguyen"
    assert name_keys("Nguyen Van An").sorted_tokens == name_keys("An Van Nguyen").sorted_tokens


def test_explicit_family_first_moves_the_first_word_last() -> None:
    assert name_keys("Sok Chenda", family_first=True).folded == "chenda sok"
    assert name_keys("Nguyen Van An", family_first=False).folded == "nguyen van an"
    assert name_keys("Suparmi", family_first=True).folded == "suparmi"


# --- Phonetic key -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variants",
    [
        ("muhammad", "mohammad", "muhamad", "mohamed", "mochamad", "mohd", "muhd", "md"),
        ("nguyen", "ngyuen", "nguyn"),
        ("siti", "sitti"),
        ("nur", "noor", "nor"),
        ("fatimah", "fatima"),
        ("phong", "fong"),
        ("thanh", "tanh", "tan"),
        ("vichai", "wichai"),
        ("soekarno", "sukarno"),
        ("achmad", "ahmad"),
        ("sonexay", "sonxai"),
        ("xaysomphone", "saysomphon"),
        ("djoko", "joko"),
    ],
)
def test_phonetic_key_absorbs_common_spelling_variants(variants: tuple[str, ...]) -> None:
    assert {phonetic_token(v) for v in variants} == {phonetic_token(variants[0])}


def test_phonetic_key_keeps_different_names_apart() -> None:
    codes = {phonetic_token(v) for v in ("siti", "suparmi", "budi", "agus", "rina", "dewi")}
    assert len(codes) == 6


def test_phonetic_key_of_a_name_is_sorted_per_token() -> None:
    assert name_keys("Mohd Ali").phonetic == name_keys("Muhammad Ali").phonetic == "ala mamat"


# --- Similarity ---------------------------------------------------------------------------


def similarity(a: str, b: str) -> float:
    return name_similarity(name_keys(a), name_keys(b))


def test_similarity_of_identical_and_swapped_names() -> None:
    assert similarity("Siti Aminah", "SITI  AMINAH") == 1.0
    assert similarity("Budi Santoso", "Santoso Budi") == 0.97


def test_similarity_of_a_mononym_and_the_same_name_with_a_patronym() -> None:
    assert similarity("Suparmi", "Suparmi binti Sukarno") == 0.85


def test_similarity_of_typos_and_variants_is_high() -> None:
    assert similarity("Siti Aminah", "Siti Aminha") > 0.95
    assert similarity("Muhammad Ali", "Mohd Ali") > 0.95
    assert similarity("Nguyen Van An", "Ngyuen Van An") > 0.95
    assert similarity("Aung San Suu Kyi", "Aungsan Suukyi") == 0.95


def test_a_nickname_cut_from_the_name_agrees_but_less_than_a_variant() -> None:
    assert similarity("Wati", "Rahmawati") == 0.85
    assert similarity("Siti Sholihah", "Liha") == 0.7225  # one word more on one side
    assert similarity("Ma", "Maria") < 0.85  # two letters are not a nickname


def test_similarity_of_different_names_is_low() -> None:
    assert similarity("Siti Aminah", "Siti Rahayu") < 0.5
    assert similarity("Nguyen Van An", "Nguyen Van Binh") < 0.6
    assert similarity("Budi Santoso", "Agus Salim") < 0.3


def test_similarity_with_empty_keys() -> None:
    assert name_similarity(EMPTY_KEYS, EMPTY_KEYS) == 1.0
    assert name_similarity(EMPTY_KEYS, name_keys("Budi")) == 0.0


def test_the_right_person_ranks_first() -> None:
    query = name_keys("Ngyuen Van An")
    stored = ["Nguyen Van Binh", "Tran Van An", "Nguyen Van An", "Nguyen Thi An"]
    ranked = sorted(stored, key=lambda s: name_similarity(query, name_keys(s)), reverse=True)
    assert ranked[0] == "Nguyen Van An"


def test_stored_keys_rebuilt_from_columns_score_the_same() -> None:
    keys = name_keys("Hj. Muhammad bin Ismail")
    rebuilt = NameKeys(
        folded=keys.folded,
        sorted_tokens=keys.sorted_tokens,
        phonetic=keys.phonetic,
        tokens=tuple(keys.folded.split()),
        script=keys.script,
    )
    assert rebuilt == keys


# --- Properties ---------------------------------------------------------------------------

latin_word = st.text(alphabet=string.ascii_lowercase, min_size=2, max_size=10).filter(
    lambda word: word not in RESERVED_TOKENS
)
latin_name = st.lists(latin_word, min_size=1, max_size=5)
fast = settings(max_examples=60, deadline=None)


@fast
@given(st.text(max_size=60))
def test_keys_never_raise_are_deterministic_and_well_formed(text: str) -> None:
    keys = name_keys(text)
    assert keys == name_keys(text)
    assert FOLDED.match(keys.folded)
    assert keys.tokens == tuple(keys.folded.split())
    assert keys.sorted_tokens == " ".join(sorted(keys.tokens))
    assert len(keys.phonetic.split()) == len(keys.tokens)
    assert keys.script == "" or len(keys.script) == 4


@pytest.mark.parametrize(
    ("first", "last"), [(0x0E00, 0x0E7F), (0x0E80, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF)]
)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_any_text_in_thai_lao_burmese_or_khmer_script_gives_keys(
    first: int, last: int, data: st.DataObject
) -> None:
    letters = st.characters(min_codepoint=first, max_codepoint=last)
    text = data.draw(st.text(alphabet=st.one_of(letters, st.just(" ")), max_size=20))
    assert FOLDED.match(name_keys(text).folded)


@fast
@given(latin_name.flatmap(lambda words: st.tuples(st.just(words), st.permutations(words))))
def test_sorted_tokens_ignore_word_order(pair: tuple[list[str], list[str]]) -> None:
    words, shuffled = pair
    assert name_keys(" ".join(words)).sorted_tokens == name_keys(" ".join(shuffled)).sorted_tokens


@fast
@given(st.text(max_size=30), st.text(max_size=30))
def test_similarity_is_symmetric_bounded_and_one_for_identical(a: str, b: str) -> None:
    ka, kb = name_keys(a), name_keys(b)
    score = name_similarity(ka, kb)
    assert score == name_similarity(kb, ka)
    assert 0.0 <= score <= 1.0
    assert name_similarity(ka, ka) == 1.0


@fast
@given(
    latin_name,
    st.sampled_from(sorted(TITLES_ANYWHERE | TITLES_LEADING)),
    st.sampled_from(["", ".", ". "]),
    st.booleans(),
)
def test_a_title_in_front_never_changes_the_rest(
    words: list[str], title: str, dot: str, capital: bool
) -> None:
    name = " ".join(words)
    title = title.capitalize() if capital else title
    with_title = name_keys(f"{title}{dot} {name}")
    assert with_title.sorted_tokens == name_keys(name).sorted_tokens


@fast
@given(
    st.lists(latin_word, min_size=2, max_size=5),
    st.sampled_from([*sorted(PARTICLES_BETWEEN | PARTICLES_ANYWHERE), "a/l", "A/P", "s/o"]),
    st.data(),
)
def test_a_patronymic_particle_never_changes_the_rest(
    words: list[str], particle: str, data: st.DataObject
) -> None:
    at = data.draw(st.integers(min_value=1, max_value=len(words) - 1))
    with_particle = " ".join([*words[:at], particle, *words[at:]])
    assert name_keys(with_particle).sorted_tokens == name_keys(" ".join(words)).sorted_tokens
