"""Forms of the import pages. They only parse; the rules live in the services."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pulang.registry.codes import ReturnMode, ReturnReason, ReturnStatus, Sex
from pulang.registry.imports.inputs.files import ENCODINGS, header_key
from pulang.registry.imports.inputs.rows import DATE_FORMATS, REQUIRED
from pulang.registry.imports.inputs.targets import GROUP_LABELS, TARGETS, Group

if TYPE_CHECKING:
    from pulang.registry.imports.models import ImportSource

NEW_SOURCE = "new"


def _blank(label: Any) -> list[tuple[str, Any]]:
    return [("", label)]


class UploadForm(forms.Form):
    source = forms.ChoiceField(label=_("How to read the file"))
    file = forms.FileField(
        label=_("File (.csv or .xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.txt"}),
    )

    def __init__(
        self,
        *args: Any,
        sources: list[ImportSource],
        templates: list[tuple[str, Any]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        copied = {s.template for s in sources if s.template}
        choices: list[tuple[str, Any]] = [(f"s:{s.pk}", s.name) for s in sources]
        choices += [(f"t:{name}", label) for name, label in templates if name not in copied]
        choices.append((NEW_SOURCE, _("A new kind of file: I will match its columns")))
        self.fields["source"].choices = choices  # type: ignore[attr-defined]


class MappingForm(forms.Form):
    """One select per field, listing the file's headers; defaults for fields the file may
    lack; the name the mapping is saved under."""

    name = forms.CharField(
        label=_("Save these choices as"),
        max_length=120,
        help_text=_("The next file of this kind will be read the same way."),
    )
    date_format = forms.ChoiceField(
        label=_("Dates in the file are written as"),
        choices=[(k, k) for k in DATE_FORMATS],
        help_text=_("Dates written as YYYY-MM-DD are always understood as well."),
    )
    encoding = forms.ChoiceField(
        label=_("Text encoding (CSV)"), choices=list(ENCODINGS.items()), initial="utf-8"
    )
    default_sex = forms.ChoiceField(
        label=_("Sex, when the file does not say"),
        choices=_blank(_("— no default —")) + Sex.choices,
        required=False,
    )
    default_nationality = forms.ChoiceField(
        label=_("Nationality, when the file does not say"), required=False
    )
    default_destination_country = forms.ChoiceField(
        label=_("Country of work, when the file does not say"), required=False
    )
    default_return_status = forms.ChoiceField(
        label=_("Arrived or expected, when the file does not say"),
        choices=_blank(_("— from the dates —")) + ReturnStatus.choices,
        required=False,
    )
    default_reason = forms.ChoiceField(
        label=_("Reason for return, when the file does not say"),
        choices=_blank(_("— no default —")) + ReturnReason.choices,
        required=False,
    )
    default_mode = forms.ChoiceField(
        label=_("Mode of return, when the file does not say"),
        choices=_blank(_("— no default —")) + ReturnMode.choices,
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        headers: list[str],
        countries: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        columns = _blank(_("— not in this file —")) + [(h, h) for h in headers if h]
        self.groups: list[tuple[Any, list[str]]] = []
        for group in Group:
            names = []
            for target in TARGETS:
                if target.group != group:
                    continue
                field_name = f"col_{target.name}"
                self.fields[field_name] = forms.ChoiceField(
                    label=str(target.label), choices=columns, required=False
                )
                if target.name in REQUIRED or target.name in {"returned_on", "expected_on"}:
                    self.fields[field_name].help_text = _("Needed, or give a default below.")
                names.append(field_name)
            self.groups.append((GROUP_LABELS[group], names))
        self.fields["default_nationality"].choices = _blank(_("— no default —")) + countries  # type: ignore[attr-defined]
        self.fields["default_destination_country"].choices = (  # type: ignore[attr-defined]
            _blank(_("— no default —")) + countries
        )

    def mapping(self) -> dict[str, str]:
        return {
            name[len("col_") :]: value
            for name, value in self.cleaned_data.items()
            if name.startswith("col_") and value
        }

    def default_values(self) -> dict[str, str]:
        return {
            name[len("default_") :]: value
            for name, value in self.cleaned_data.items()
            if name.startswith("default_") and value
        }


def initial_mapping(headers: list[str], source: ImportSource | None) -> dict[str, Any]:
    """Start from the source's choices; else match headers that are a field's name or
    label."""
    keys = {header_key(h): h for h in headers}
    initial: dict[str, Any] = {}
    if source is not None:
        for target, accepted in source.mapping.items():
            options = [accepted] if isinstance(accepted, str) else accepted
            found = next((keys[header_key(h)] for h in options if header_key(h) in keys), "")
            if found:
                initial[f"col_{target}"] = found
        values = (source.defaults or {}).get("values") or {}
        for name, value in values.items():
            initial[f"default_{name}"] = value
        initial["date_format"] = (source.defaults or {}).get("date_format", "YYYY-MM-DD")
        initial["encoding"] = (source.defaults or {}).get("encoding", "utf-8")
        initial["name"] = source.name
        return initial
    for target in TARGETS:
        for candidate in (target.name, str(target.label)):
            if header_key(candidate) in keys:
                initial[f"col_{target.name}"] = keys[header_key(candidate)]
                break
    return initial
