"""Building the administrative-area tree: ISO 3166-2 provinces, and official code lists."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pycountry
from django.db import transaction
from django.utils.translation import gettext as _

from pulang.audit.actions import Action
from pulang.audit.services import record, refuse
from pulang.errors import InvalidInput
from pulang.geo.errors import AreaImportRejected
from pulang.geo.models import AdminArea
from pulang.geo.policies import can_import_areas
from pulang.reference.models import Country, Language

if TYPE_CHECKING:
    from pulang.orgs.actor import Actor

REQUIRED_COLUMNS = ("code", "parent_code", "level", "name")
LOCAL_NAME_PREFIX = "name_"
MAX_CODE_LENGTH = 32
MAX_NAME_LENGTH = 200


def area_root_or_none(country: Country) -> AdminArea | None:
    return AdminArea.objects.filter(country=country, level=AdminArea.Level.COUNTRY).first()


def country_root(country: Country) -> AdminArea:
    """The level-0 node of a country's tree, created on first use."""
    root, _created = AdminArea.objects.get_or_create(
        country=country,
        code=country.code,
        defaults={
            "level": AdminArea.Level.COUNTRY,
            "name": country.name,
            "path": f"{country.code}/",
        },
    )
    return root


@transaction.atomic
def area_load_iso_provinces(*, country_codes: list[str]) -> dict[str, int]:
    """Load ISO 3166-2 first-level units as provinces; returns how many per country.

    Only leaf subdivisions are taken: Indonesia's "geographical units" and the Philippines'
    regions group provinces and are not administrations of their own (the Philippines'
    National Capital Region, which has no provinces, stays).
    """
    loaded: dict[str, int] = {}
    for code in country_codes:
        country = Country.objects.get(pk=code)
        root = country_root(country)
        subdivisions = list(pycountry.subdivisions.get(country_code=code) or [])  # type: ignore[no-untyped-call]
        parents = {s.parent_code for s in subdivisions if s.parent_code}
        existing = {a.code: a for a in AdminArea.objects.filter(country=country, level=1)}
        new, changed = [], []
        for sub in subdivisions:
            if sub.code in parents:
                continue
            area = existing.get(sub.code)
            if area is None:
                new.append(
                    AdminArea(
                        country=country,
                        code=sub.code,
                        level=AdminArea.Level.PROVINCE,
                        parent=root,
                        name=sub.name,
                        path=f"{root.path}{sub.code}/",
                    )
                )
            elif area.name != sub.name:
                area.name = sub.name
                changed.append(area)
        AdminArea.objects.bulk_create(new)
        AdminArea.objects.bulk_update(changed, ["name"])
        loaded[code] = len(subdivisions) - len(parents & {s.code for s in subdivisions})
    return loaded


@dataclass
class RowError:
    line: int
    column: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.column, "reason": self.reason}


@dataclass
class AreaImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False


@dataclass
class _Row:
    line: int
    country: Country
    code: str
    parent_code: str
    level: int
    name: str
    local_names: dict[str, str]


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            _("The file is not in UTF-8. Save it as “CSV UTF-8” and upload it again."),
            errors=[RowError(0, "", _("not UTF-8 encoded")).as_dict()],
        ) from exc


def _parse(text: str, default_country: Country | None, report: AreaImportReport) -> list[_Row]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if "country" not in header and default_country is None:
        missing.append("country")
    for column in missing:
        report.errors.append(RowError(1, column, _("required column is missing")))
    known_languages = set(Language.objects.values_list("code", flat=True))
    local_columns = [h for h in header if h.startswith(LOCAL_NAME_PREFIX)]
    for column in local_columns:
        if column.removeprefix(LOCAL_NAME_PREFIX) not in known_languages:
            report.errors.append(
                RowError(
                    1,
                    column,
                    _("“%(tag)s” is not a known language tag")
                    % {"tag": column.removeprefix(LOCAL_NAME_PREFIX)},
                )
            )
    if report.errors:
        return []
    countries = {c.code: c for c in Country.objects.all()}
    rows: list[_Row] = []
    for number, raw in enumerate(reader, start=2):
        values = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(values.values()):
            continue
        country = default_country
        if values.get("country"):
            country = countries.get(values["country"].upper())
            if country is None:
                report.errors.append(
                    RowError(
                        number,
                        "country",
                        _("unknown country code “%(code)s”") % {"code": values["country"]},
                    )
                )
                continue
        if country is None:  # no column and no default: already reported on line 1
            continue
        code = values.get("code", "")
        name = values.get("name", "")
        level_text = values.get("level", "")
        row_ok = True
        if not code:
            report.errors.append(RowError(number, "code", _("the code is empty")))
            row_ok = False
        elif "/" in code or len(code) > MAX_CODE_LENGTH:
            report.errors.append(
                RowError(
                    number,
                    "code",
                    _("a code has at most %(max)d characters and no “/”")
                    % {"max": MAX_CODE_LENGTH},
                )
            )
            row_ok = False
        if not name:
            report.errors.append(RowError(number, "name", _("the name is empty")))
            row_ok = False
        elif len(name) > MAX_NAME_LENGTH:
            report.errors.append(
                RowError(
                    number,
                    "name",
                    _("a name has at most %(max)d characters") % {"max": MAX_NAME_LENGTH},
                )
            )
            row_ok = False
        if level_text not in {"1", "2", "3", "4"}:
            report.errors.append(
                RowError(
                    number,
                    "level",
                    _(
                        "the level must be 1 (province), 2 (district), "
                        "3 (sub-district) or 4 (village)"
                    ),
                )
            )
            row_ok = False
        if row_ok:
            rows.append(
                _Row(
                    line=number,
                    country=country,
                    code=code,
                    parent_code=values.get("parent_code", ""),
                    level=int(level_text),
                    name=name,
                    local_names={
                        c.removeprefix(LOCAL_NAME_PREFIX): values[c]
                        for c in local_columns
                        if values.get(c)
                    },
                )
            )
    return rows


def area_import(
    *,
    actor: Actor | None,
    data: bytes,
    country_code: str | None = None,
    dry_run: bool = False,
) -> AreaImportReport:
    """Import an official code list (CSV: ``code, parent_code, level, name`` and optional
    ``country`` and ``name_<language>`` columns).

    All or nothing: if any row is wrong, every wrong row is reported with its line, column
    and reason, and nothing is written (:class:`AreaImportRejected`). Importing the same
    file again changes nothing; a changed name or parent updates the area (and moves its
    subtree). ``parent_code`` may be blank for provinces; ``actor=None`` is the command line.
    """
    report = AreaImportReport(dry_run=dry_run)
    default_country = None
    if country_code:
        default_country = Country.objects.filter(pk=country_code.upper()).first()
        if default_country is None:
            raise InvalidInput(
                _("“%(code)s” is not an ISO 3166-1 country code.") % {"code": country_code},
                errors=[RowError(0, "country", _("unknown country code")).as_dict()],
            )
    rows = _parse(_decode(data), default_country, report)
    countries = {r.country.code: r.country for r in rows}
    if actor is not None:
        # Checked before any write, so that the refusal's audit event is not rolled back.
        for country in countries.values():
            root = area_root_or_none(country)
            if root is None or not can_import_areas(actor, root):
                raise refuse(actor, subject_type="geo.adminarea", subject_id=country.code)

    with transaction.atomic():
        roots = {code: country_root(country) for code, country in countries.items()}
        _apply(rows, roots, report)
        if report.errors:
            # Every problem in the file is reported at once, in line order; nothing stays.
            transaction.set_rollback(True)
            report.errors.sort(key=lambda e: e.line)
            raise AreaImportRejected(
                count=len({e.line for e in report.errors}),
                errors=[e.as_dict() for e in report.errors],
            )
        if dry_run:
            transaction.set_rollback(True)
        else:
            record(
                actor,
                Action.AREAS_IMPORTED,
                details={
                    "countries": sorted(roots),
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                },
            )
    return report


def _apply(rows: list[_Row], roots: dict[str, AdminArea], report: AreaImportReport) -> None:
    by_country: dict[str, list[_Row]] = defaultdict(list)
    for row in rows:
        by_country[row.country.code].append(row)
    for country_code, country_rows in by_country.items():
        areas = {a.code: a for a in AdminArea.objects.filter(country_id=country_code)}
        duplicates = _check_duplicates(country_rows, report)
        # Parents before children (a file may list a village before its district); each
        # level is inserted in one batch so that its rows have ids before the next level.
        for level in (1, 2, 3, 4):
            new: list[AdminArea] = []
            for row in (r for r in country_rows if r.level == level and r.line not in duplicates):
                _apply_row(row, roots[country_code], areas, new, report)
            AdminArea.objects.bulk_create(new, batch_size=2000)


def _check_duplicates(rows: list[_Row], report: AreaImportReport) -> set[int]:
    """Reports every repeated code; returns the lines of the repeats, which are skipped."""
    seen: dict[str, int] = {}
    repeats: set[int] = set()
    for row in rows:
        if row.code in seen:
            report.errors.append(
                RowError(
                    row.line,
                    "code",
                    _("the code “%(code)s” is also on line %(line)d")
                    % {"code": row.code, "line": seen[row.code]},
                )
            )
            repeats.add(row.line)
        else:
            seen[row.code] = row.line
    return repeats


def _apply_row(
    row: _Row,
    root: AdminArea,
    areas: dict[str, AdminArea],
    new: list[AdminArea],
    report: AreaImportReport,
) -> None:
    def reject(column: str, reason: str) -> None:
        report.errors.append(RowError(row.line, column, reason))

    parent_code = row.parent_code or (root.code if row.level == 1 else "")
    if not parent_code:
        return reject("parent_code", _("only provinces (level 1) may have no parent"))
    parent = areas.get(parent_code)
    if parent is None:
        return reject(
            "parent_code", _("unknown parent area code “%(code)s”") % {"code": parent_code}
        )
    if parent.level != row.level - 1:
        return reject(
            "level",
            _("level %(level)d cannot sit under “%(parent)s”, which is level %(parent_level)d")
            % {"level": row.level, "parent": parent_code, "parent_level": parent.level},
        )
    existing = areas.get(row.code)
    new_path = f"{parent.path}{row.code}/"
    if existing is None:
        area = AdminArea(
            country_id=root.country_id,
            code=row.code,
            level=row.level,
            parent=parent,
            name=row.name,
            local_names=row.local_names,
            path=new_path,
        )
        areas[row.code] = area
        new.append(area)
        report.created += 1
        return None
    if existing.level == AdminArea.Level.COUNTRY:
        return reject("code", _("“%(code)s” is the country itself") % {"code": row.code})
    if parent.path.startswith(existing.path):
        return reject("parent_code", _("an area cannot sit inside itself"))
    descendants = [
        a for a in areas.values() if a.path.startswith(existing.path) and a is not existing
    ]
    if existing.level != row.level and descendants:
        return reject("level", _("the level of an area that has areas inside it cannot change"))
    if (
        existing.parent_id == parent.pk
        and existing.level == row.level
        and existing.name == row.name
        and existing.local_names == row.local_names
        and existing.is_active
    ):
        report.unchanged += 1
        return None
    old_path = existing.path
    existing.parent, existing.level, existing.name = parent, row.level, row.name
    existing.local_names, existing.is_active, existing.path = row.local_names, True, new_path
    existing.save()
    if old_path != new_path:
        for child in descendants:
            child.path = new_path + child.path[len(old_path) :]
        AdminArea.objects.bulk_update(descendants, ["path"], batch_size=1000)
    report.updated += 1
    return None
