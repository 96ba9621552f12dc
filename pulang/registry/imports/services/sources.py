"""Import sources: saved column mappings, and the templates Pulang ships (``sources/*.json``
and the standard layout, whose headers are the target names themselves)."""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pulang.audit.actions import Action
from pulang.audit.services import record
from pulang.errors import InvalidInput, NotFound, PermissionDenied
from pulang.reference.models import Country
from pulang.registry.imports.inputs.files import ENCODINGS
from pulang.registry.imports.inputs.rows import CHOICES, DATE_FORMATS
from pulang.registry.imports.inputs.targets import BY_NAME, DEFAULTABLE, TARGETS
from pulang.registry.imports.models import FileKind, ImportSource
from pulang.registry.imports.policies import can_import
from pulang.registry.imports.selectors import import_source_get_for_actor

if TYPE_CHECKING:
    from pulang.orgs.actor import Actor

_SHIPPED = Path(__file__).resolve().parent.parent / "sources"
TEMPLATE_LABELS: dict[str, Promise] = {
    "standard": gettext_lazy("Pulang standard layout (headers are the field names)"),
    "eps": gettext_lazy("Korea EPS return file"),
}
STANDARD_NAME = "Pulang standard layout"


def template(name: str) -> dict[str, Any]:
    """A shipped source: ``{"name", "file_kind", "mapping", "defaults"}`` (a copy: the
    organisation's source may change it)."""
    return copy.deepcopy(_template(name))


@functools.cache
def _template(name: str) -> dict[str, Any]:
    if name == "standard":
        return {
            "name": STANDARD_NAME,
            "file_kind": FileKind.CSV.value,
            "mapping": {t.name: t.name for t in TARGETS},
            "defaults": {"date_format": "YYYY-MM-DD"},
        }
    if name not in TEMPLATE_LABELS:
        raise KeyError(name)
    data: dict[str, Any] = json.loads((_SHIPPED / f"{name}.json").read_text("utf-8"))
    return data


def validate_source(
    *, name: str, file_kind: str, mapping: dict[str, Any], defaults: dict[str, Any]
) -> None:
    """Raise :class:`InvalidInput` naming each problem of a mapping and its defaults."""
    errors: list[dict[str, str]] = []
    if not name.strip():
        errors.append({"field": "name", "reason": _("give the source a name")})
    if file_kind not in FileKind.values:
        errors.append({"field": "file_kind", "reason": _("choose CSV or Excel")})
    for target, header in mapping.items():
        headers = [header] if isinstance(header, str) else header
        if target not in BY_NAME:
            errors.append(
                {"field": target, "reason": _("“%(field)s” is not a field") % {"field": target}}
            )
        elif not isinstance(headers, list) or not all(isinstance(h, str) for h in headers):
            errors.append({"field": target, "reason": _("give the column's header")})
    values = defaults.get("values") or {}
    for target, value in values.items():
        if target not in DEFAULTABLE:
            errors.append(
                {
                    "field": target,
                    "reason": _("“%(field)s” cannot have a default") % {"field": target},
                }
            )
            continue
        choices = CHOICES.get(target)
        if choices is not None and value not in choices.values:
            errors.append(
                {
                    "field": target,
                    "reason": _("“%(value)s” is not one of the allowed values") % {"value": value},
                }
            )
        if target in {"nationality", "destination_country"} and not (
            Country.objects.filter(pk=str(value).upper()).exists()
        ):
            errors.append(
                {"field": target, "reason": _("unknown country code “%(code)s”") % {"code": value}}
            )
    if str(defaults.get("date_format") or "YYYY-MM-DD") not in DATE_FORMATS:
        errors.append({"field": "date_format", "reason": _("choose one of the date forms")})
    encoding = str(defaults.get("encoding") or "utf-8")
    if encoding not in ENCODINGS:
        errors.append(
            {
                "field": "encoding",
                "reason": _("“%(value)s” is not one of the encodings %(choices)s")
                % {"value": encoding, "choices": ", ".join(ENCODINGS)},
            }
        )
    if str(defaults.get("nationality_filter") or "") not in {"", "own"}:
        errors.append(
            {
                "field": "nationality_filter",
                "reason": _("leave it empty, or write “own” to leave out other nationalities"),
            }
        )
    for target in defaults.get("translations") or {}:
        if target not in BY_NAME:
            errors.append(
                {
                    "field": f"translations.{target}",
                    "reason": _("“%(field)s” is not a field") % {"field": target},
                }
            )
    if errors:
        raise InvalidInput(errors=errors)


def import_source_save(
    *,
    actor: Actor,
    source: ImportSource | None,
    name: str,
    file_kind: str,
    mapping: dict[str, Any],
    defaults: dict[str, Any],
) -> ImportSource:
    """Create or change one of the organisation's sources; audited."""
    if not can_import(actor):
        raise PermissionDenied()
    if source is not None and source.organisation_id != actor.organisation.pk:
        raise PermissionDenied()
    validate_source(name=name, file_kind=file_kind, mapping=mapping, defaults=defaults)
    if source is None:
        source = ImportSource(organisation=actor.organisation)
    source.name, source.file_kind = name.strip(), file_kind
    source.mapping, source.defaults = mapping, defaults
    try:
        with transaction.atomic():
            source.save()
            record(
                actor,
                Action.IMPORT_SOURCE_SAVED,
                source,
                details={"fields": sorted(mapping), "template": source.template},
            )
    except IntegrityError as error:
        raise InvalidInput(
            errors=[{"field": "name", "reason": _("another source already has this name")}]
        ) from error
    return source


def import_source_from_template(*, actor: Actor, name: str) -> ImportSource:
    """The organisation's copy of a shipped source, made on first use (later edits to
    the copy are the organisation's own)."""
    if not can_import(actor):
        raise PermissionDenied()
    if name not in TEMPLATE_LABELS:
        raise InvalidInput(
            errors=[
                {
                    "field": "template",
                    "reason": _("“%(name)s” is not one of the templates %(choices)s")
                    % {"name": name, "choices": ", ".join(TEMPLATE_LABELS)},
                }
            ]
        )
    existing = ImportSource.objects.filter(organisation=actor.organisation, template=name).first()
    if existing is not None:
        return existing
    shipped = template(name)
    source = ImportSource(organisation=actor.organisation, template=name)
    taken = set(
        ImportSource.objects.filter(organisation=actor.organisation).values_list("name", flat=True)
    )
    title = shipped["name"]
    suffix = 2
    while title in taken:
        title, suffix = f"{shipped['name']} ({suffix})", suffix + 1
    return import_source_save(
        actor=actor,
        source=source,
        name=title,
        file_kind=shipped["file_kind"],
        mapping=shipped["mapping"],
        defaults=shipped["defaults"],
    )


def import_source_choose(
    *, actor: Actor, source_id: int | None = None, template_name: str = ""
) -> ImportSource:
    """The source a file is to be read through: one of the organisation's sources, or its
    copy of a shipped template (made on first use). A source that is unknown, or another
    organisation's, is an error on the field that named it (:class:`InvalidInput`)."""
    if not can_import(actor):
        raise PermissionDenied()
    if template_name:
        return import_source_from_template(actor=actor, name=template_name)
    if source_id is None:
        raise InvalidInput(
            errors=[
                {
                    "field": "source",
                    "reason": _("Choose how to read the file: one of your sources or a template."),
                }
            ]
        )
    try:
        return import_source_get_for_actor(actor=actor, source_id=source_id)
    except NotFound:
        raise InvalidInput(
            errors=[{"field": "source", "reason": _("Choose one of the listed sources.")}]
        ) from None
