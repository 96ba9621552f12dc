"""Normalising and checking identity-document numbers, with the national rules where a
checksum or structure is published (python-stdnum)."""

from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import gettext as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.id import nik
from stdnum.my import nric
from stdnum.th import pin

from pulang.registry.codes import IdentifierKind, Sex

_SEPARATORS = re.compile(r"[\s\-./]")
_PASSPORT = re.compile(r"^[A-Z0-9]{5,12}$")

# National identity numbers with a published structure, by issuing country.
_NATIONAL_ID_RULES = {"ID": nik, "MY": nric, "TH": pin}


def normalise_number(number: str) -> str:
    """Upper case, separators removed: "3171 0117-0845 0001" → "3171011708450001"."""
    return _SEPARATORS.sub("", number).upper()


def check_identifier(
    kind: str,
    number: str,
    issuing_country: str,
    *,
    birth_date: dt.date | None = None,
    sex: str | None = None,
) -> str | None:
    """The reason ``number`` cannot be right, or None. Expects a normalised number."""
    if not number:
        return _("the number is empty")
    if len(number) > 40:
        return _("the number is too long")
    if kind == IdentifierKind.NATIONAL_ID and issuing_country in _NATIONAL_ID_RULES:
        rule = _NATIONAL_ID_RULES[issuing_country]
        try:
            rule.validate(number)
        except StdnumError:
            return _("this is not a valid national identity number for %(country)s") % {
                "country": issuing_country
            }
        if issuing_country == "ID":
            return check_nik_against_person(number, birth_date, sex)
        return None
    if kind == IdentifierKind.PASSPORT and not _PASSPORT.match(number):
        return _("a passport number has 5 to 12 letters and digits")
    return None


def check_nik_against_person(
    number: str, birth_date: dt.date | None, sex: str | None
) -> str | None:
    # The NIK carries the birth date (day + 40 for women): a mismatch is a typing error.
    day = int(number[6:8])
    if sex in {Sex.FEMALE, Sex.MALE} and (day > 40) != (sex == Sex.FEMALE):
        if day > 40:
            return _("the NIK is a woman's, but the person is recorded as a man")
        return _("the NIK is a man's, but the person is recorded as a woman")
    if birth_date is not None:
        encoded = (day % 40, int(number[8:10]), int(number[10:12]))
        if encoded != (birth_date.day, birth_date.month, birth_date.year % 100):
            return _("the date of birth in the NIK (%(date)s) differs from the one given") % {
                "date": f"{encoded[0]:02d}-{encoded[1]:02d}-{encoded[2]:02d}"
            }
    return None
