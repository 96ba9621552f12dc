"""How a pair's comparisons read for a reviewer: the field, the level the engine found,
its weight written with a sign, and whether it speaks for or against the same person."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# The engine's comparisons (pipeline.model), in the order the page shows them.
COMPARISON_TITLES: dict[str, str | Promise] = {
    "name": _("Name"),
    "birth_date": _("Date of birth"),
    "sex": _("Sex"),
    "ids": _("ID numbers"),
    "phone": _("Phone"),
    "area": _("Home area"),
    "address": _("Address"),
}
# The levels the engine names its findings with (pipeline.model, ``label_for_charts``),
# stored in English on each pair and translated here for the reviewer.
LEVEL_LABELS: dict[str, Promise] = {
    "same": _("same"),
    "different": _("different"),
    "missing on either side": _("missing on either side"),
    "same name": _("same name"),
    "same name, spelt differently": _("same name, spelt differently"),
    "same words, other order or spacing": _("same words, other order or spacing"),
    "nearly the same spelling": _("nearly the same spelling"),
    "one or two letters differ": _("one or two letters differ"),
    "one keystroke apart": _("one keystroke apart"),
    "one name holds every word of the other": _("one name holds every word of the other"),
    "one-word name found in the other": _("one-word name found in the other"),
    "two words in common, one uncommon": _("two words in common, one uncommon"),
    "two common words in common": _("two common words in common"),
    "an uncommon word in common": _("an uncommon word in common"),
    "a common word in common": _("a common word in common"),
    "different names": _("different names"),
    "same exact date": _("same exact date"),
    "same imprecise date": _("same imprecise date"),
    "a digit, day-month order or a few days apart": _(
        "a digit, day-month order or a few days apart"
    ),
    "same month and year": _("same month and year"),
    "same year, one date only a year": _("same year, one date only a year"),
    "within a year": _("within a year"),
    "within two years of an estimate": _("within two years of an estimate"),
    "different dates": _("different dates"),
    "a number in common": _("a number in common"),
    "numbers one keystroke apart": _("numbers one keystroke apart"),
    "different numbers of the same kind": _("different numbers of the same kind"),
    "numbers of different documents": _("numbers of different documents"),
    "same number": _("same number"),
    "different numbers": _("different numbers"),
    "same area": _("same area"),
    "same province": _("same province"),
    "different provinces": _("different provinces"),
    "same address": _("same address"),
    "nearly the same address": _("nearly the same address"),
    "different addresses": _("different addresses"),
}
MINUS = "\N{MINUS SIGN}"


@dataclass(frozen=True)
class ComparisonRow:
    name: str
    title: str
    level: str
    weight: float
    # True: evidence for the same person; False: against; None: nothing to compare.
    agrees: bool | None
    value_a: str
    value_b: str

    @property
    def signed_weight(self) -> str:
        return signed(self.weight)


def signed(weight: float) -> str:
    """10.6 → "+10.6", -3.2 → "\u22123.2" (a true minus sign), 0 → "0.0"."""
    rounded = round(weight, 1)
    if rounded > 0:
        return f"+{rounded:.1f}"
    if rounded < 0:
        return f"{MINUS}{-rounded:.1f}"
    return "0.0"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _level(value: Any) -> str:
    """The engine's level in the reader's language (as stored when it has no translation:
    a model trained by a later engine may name a level this list does not know yet)."""
    text = _text(value)
    return str(LEVEL_LABELS.get(text, text))


def comparison_rows(comparisons: Mapping[str, Any]) -> list[ComparisonRow]:
    """One row per comparison, known ones first in a fixed order, unknown ones after."""
    names = [n for n in COMPARISON_TITLES if n in comparisons]
    names += sorted(n for n in comparisons if n not in COMPARISON_TITLES)
    rows = []
    for name in names:
        item = comparisons[name] if isinstance(comparisons[name], Mapping) else {}
        try:
            weight = float(item.get("weight") or 0.0)
        except (TypeError, ValueError):
            weight = 0.0
        rows.append(
            ComparisonRow(
                name=name,
                title=str(COMPARISON_TITLES.get(name, name)),
                level=_level(item.get("level")),
                weight=weight,
                agrees=None if round(weight, 1) == 0 else weight > 0,
                value_a=_text(item.get("value_a")),
                value_b=_text(item.get("value_b")),
            )
        )
    return rows


def percent(probability: float) -> str:
    """0.9731 → "97.3 %" (one decimal: 99.95 % and 100 % are not the same to a reviewer)."""
    return gettext("%(value)s %%") % {"value": f"{probability * 100:.1f}"}
