"""Identity numbers, phone numbers, home areas and address lines that look like the real
ones of each sending country: an NIK that ``stdnum.id.nik`` accepts, a Thai PIN with its
check digit, mobile numbers that ``phonenumbers`` calls valid."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from random import Random

from stdnum import numdb
from stdnum.th import pin as thai_pin

from pulang.registry.codes import IdentifierKind
from pulang.registry.identifiers import normalise_number
from pulang.registry.synthetic.data import Lists, Origin

# --- Home areas ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Area:
    pk: int
    code: str
    level: int
    names: tuple[str, ...]  # from the province down to this area


@dataclass
class AreaIndex:
    """The leaves of the area tree that exist in this database, by country and province."""

    by_province: dict[tuple[str, str], tuple[Area, ...]] = field(default_factory=dict)
    by_country: dict[str, tuple[Area, ...]] = field(default_factory=dict)
    provinces: dict[tuple[str, str], Area] = field(default_factory=dict)

    def pick(self, origin: Origin, rng: Random) -> Area | None:
        leaves = self.by_province.get((origin.country, origin.province))
        if not leaves:
            leaves = self.by_country.get(origin.country)
        return rng.choice(leaves) if leaves else None


# --- Identity documents --------------------------------------------------------------------


def _nik_regencies() -> dict[str, tuple[str, tuple[str, ...]]]:
    """ISO 3166-2 province → (two-digit province code, its regency codes) from stdnum's
    own list, so that every NIK made here passes ``stdnum.id.nik``."""
    table: dict[str, tuple[str, tuple[str, ...]]] = {}
    for _length, low, _high, props, children in numdb.get("id/loc").prefixes:
        iso = props.get("iso3166_2")
        if iso:
            table[iso] = (low, tuple(sorted(child[1] for child in children)))
    return table


_NIK = _nik_regencies()
_PASSPORT_LETTERS = {
    "ID": "AAAABBBCCX",
    "VN": "CCCCCCCBBN",
    "LA": "P",
    "KH": "N",
}


class Issuer:
    """Hands out document numbers, never the same one twice."""

    def __init__(self) -> None:
        self._issued: set[str] = set()

    def _unique(self, key: str) -> bool:
        if key in self._issued:
            return False
        self._issued.add(key)
        return True

    def national_id(
        self, country: str, origin: Origin, area: Area | None, birth: dt.date, sex: str, rng: Random
    ) -> str | None:
        for _attempt in range(50):
            number = _national_id(country, origin, area, birth, sex, rng)
            if number is None or self._unique(country + "N" + number):
                return number
        return None

    def passport(self, country: str, rng: Random) -> str:
        while True:
            number = _passport(country, rng)
            if self._unique(country + "P" + number):
                return number


def _national_id(
    country: str, origin: Origin, area: Area | None, birth: dt.date, sex: str, rng: Random
) -> str | None:
    if country == "ID":
        return _nik(origin, area, birth, sex, rng)
    if country == "TH":
        first = "1" if birth.year >= 1984 else "3"
        province = origin.id_prefixes[0] if origin.id_prefixes else "10"
        body = f"{first}{province}{rng.randint(1, 15):02d}{rng.randrange(100000):05d}"
        body += f"{rng.randrange(100):02d}"
        return body + thai_pin.calc_check_digit(body)
    if country == "VN":
        province = origin.id_prefixes[0] if origin.id_prefixes else "001"
        century_sex = (0 if sex == "M" else 1) + (2 if birth.year >= 2000 else 0)
        return f"{province}{century_sex}{birth.year % 100:02d}{rng.randrange(1000000):06d}"
    if country == "MM":
        township = rng.choice(origin.id_prefixes) if origin.id_prefixes else "12/OUKAMA"
        return normalise_number(f"{township}(N){rng.randrange(1000000):06d}")
    if country == "KH":
        return f"{rng.randint(1, 25):02d}{rng.randrange(10000000):07d}"
    if country == "PH":
        return f"{rng.randint(1, 9)}{rng.randrange(10**15):015d}"
    return None


def _nik(origin: Origin, area: Area | None, birth: dt.date, sex: str, rng: Random) -> str:
    province, regencies = _NIK.get(origin.province, _NIK["ID-JK"])
    digits = area.code.replace(".", "") if area is not None else ""
    if digits.isdigit() and len(digits) >= 4 and digits[2:4] in regencies:
        regency = digits[2:4]
        district = digits[4:6] if len(digits) >= 6 else f"{rng.randint(1, 25):02d}"
    else:
        regency = rng.choice(regencies)
        district = f"{rng.randint(1, 25):02d}"
    day = birth.day + (40 if sex == "F" else 0)
    # Serials are handed out in order per place and date, so most are small.
    serial = rng.randint(1, 30) if rng.random() < 0.8 else rng.randint(31, 9999)
    return (
        f"{province}{regency}{district}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"
    )


def _passport(country: str, rng: Random) -> str:
    if country == "PH":
        if rng.random() < 0.8:
            return f"P{rng.randrange(10**7):07d}{chr(65 + rng.randrange(26))}"
        return f"E{rng.choice('BC')}{rng.randrange(10**7):07d}"
    if country == "TH":
        return f"A{chr(65 + rng.randrange(26))}{rng.randrange(10**7):07d}"
    if country == "MM":
        return f"M{rng.choice('ABCE')}{rng.randrange(10**6):06d}"
    if country == "KH":
        return f"N{rng.randrange(10**8):08d}"
    letters = _PASSPORT_LETTERS.get(country, "A")
    return f"{rng.choice(letters)}{rng.randrange(10**7):07d}"


def mistype_number(kind: str, country: str, number: str, rng: Random) -> str:
    """One digit wrong. For a NIK only where the number stays valid (a clerk's typo in the
    serial or the sub-district passes the check; intake would refuse anything else); a Thai
    PIN keeps its check digit because intake checks it."""
    if country == "ID" and kind == IdentifierKind.NATIONAL_ID:
        positions = [4, 5, 12, 13, 14, 15]
    elif country == "TH" and kind == IdentifierKind.NATIONAL_ID:
        positions = list(range(5, 12))
    else:
        positions = [i for i, c in enumerate(number) if c.isdigit()]
    if not positions:
        return number
    i = rng.choice(positions)
    old = number[i]
    new = rng.choice([d for d in "0123456789" if d != old])
    if country == "ID" and kind == IdentifierKind.NATIONAL_ID and i in {4, 5}:
        candidate = number[:i] + new + number[i + 1 :]
        if candidate[4:6] == "00":
            new = "1"
    number = number[:i] + new + number[i + 1 :]
    if country == "TH" and kind == IdentifierKind.NATIONAL_ID:
        number = number[:12] + thai_pin.calc_check_digit(number[:12])
    return number


# --- Phones --------------------------------------------------------------------------------

# (country calling code, mobile prefixes, digits after the prefix)
_MOBILE = {
    "ID": ("62", ("811", "812", "813", "821", "822", "823", "852", "853", "857", "858",
                  "817", "818", "819", "859", "877", "878", "838", "831", "895", "896"), 8),
    "PH": ("63", ("905", "906", "915", "916", "917", "926", "927", "935", "945", "955",
                  "907", "908", "909", "912", "918", "919", "920", "921", "928", "999"), 7),
    "VN": ("84", ("32", "33", "34", "35", "36", "37", "38", "39", "86", "96", "97", "98",
                  "70", "76", "77", "78", "79", "90", "93", "91", "94", "88"), 7),
    "TH": ("66", ("61", "62", "63", "64", "65", "80", "81", "82", "83", "84", "86", "87",
                  "89", "90", "91", "92", "93", "94", "95", "96", "97", "98"), 7),
    "KH": ("855", ("10", "11", "12", "15", "16", "17", "61", "69", "70", "77", "78", "85",
                   "89", "92", "93", "95", "98", "99"), 6),
    "LA": ("856", ("202", "205", "207", "209"), 7),
    "MM": ("95", ("975", "976", "977", "978", "979", "994", "995", "996", "997", "945"), 7),
    "HK": ("852", ("61", "63", "64", "65", "69", "94", "96", "97"), 6),
    "TW": ("886", ("910", "912", "916", "918", "921", "922", "928", "932", "933", "937",
                   "952", "955", "958", "963", "970", "972", "975", "978", "988"), 6),
    "MY": ("60", ("12", "16", "19"), 7),
    "SG": ("65", ("81", "82", "83", "84", "85", "86", "87", "88", "90", "91", "92", "93",
                  "94", "96", "97", "98"), 6),
    "SA": ("966", ("50", "53", "54", "55", "56", "58", "59"), 7),
    "AE": ("971", ("50", "52", "54", "55", "56", "58"), 7),
    "KR": ("82", ("102", "103", "104", "106", "107", "108", "109"), 7),
    "JP": ("81", ("801", "701", "704", "805", "809", "901", "903", "906", "908"), 7),
    "QA": ("974", ("33", "55", "66", "70", "77"), 6),
    "KW": ("965", ("50", "55", "66", "90", "94", "97", "99"), 6),
    "BN": ("673", ("71", "72", "73", "83", "86", "87", "88", "89"), 5),
}  # fmt: skip


def phone(country: str, rng: Random) -> str:
    """A mobile number in E.164 for the country; "" where none is known."""
    spec = _MOBILE.get(country)
    if spec is None:
        return ""
    code, prefixes, digits = spec
    return f"+{code}{rng.choice(prefixes)}{rng.randrange(10**digits):0{digits}d}"


# --- Address lines -------------------------------------------------------------------------


def address(country: str, area: Area | None, lists: Lists, rng: Random) -> str:
    """A street or hamlet line above the home area, in the country's usual form."""
    names = area.names if area is not None else ()
    level = area.level if area is not None else 0
    deep = {i + 1: n for i, n in enumerate(names)}  # 1 province, 2 district, 3 sub-district, 4
    village = deep.get(4) or rng.choice(lists.places.get((country, "village"), ("",)))
    hamlet_names = lists.places.get((country, "hamlet"), ("",))
    if country == "ID":
        hamlet = rng.choice(hamlet_names)
        line = f"Dusun {hamlet} RT {rng.randint(1, 12):03d}/RW {rng.randint(1, 8):03d}"
        line += f", Desa {village}" if level < 4 else ""
        if 3 in deep and level == 3:
            line += f", Kec. {deep[3]}"
        return line
    if country == "PH":
        line = f"Purok {rng.randint(1, 9)}"
        return line + (f", Brgy. {village}" if level < 4 else "")
    if country == "VN":
        hamlet = (
            f"Xóm {rng.randint(1, 15)}"
            if rng.random() < 0.5
            else f"Thôn {rng.choice(hamlet_names)}"
        )
        return hamlet + (f", xã {village}" if level < 4 else "")
    if country == "TH":
        return f"{rng.randint(1, 250)} Moo {rng.randint(1, 15)}" + (
            f", Ban {village}" if level < 4 else ""
        )
    if country == "KH":
        return f"Phum {village}" if level < 4 else f"House {rng.randint(1, 300)}"
    if country == "LA":
        return f"Ban {village}, Unit {rng.randint(1, 20)}"
    if country == "MM":
        return f"No. {rng.randint(1, 200)}, {village} Village"
    return ""
