"""Page forms of the directory's staff pages. They only parse; the rules live in
``inputs.validate_entry`` and the services, whose errors come back onto the field they
name. A form that changes an entry carries the version the user saw."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pulang.referrals.codes import Cost, ProviderKind, ReturnMode
from pulang.referrals.inputs import EntryInput, area_codes_of, languages_in_order
from pulang.referrals.models import TEXT_FIELDS
from pulang.referrals.public_forms import service_type_choices
from pulang.registry.codes import Sex

_LONG = forms.Textarea(attrs={"rows": 3})
_NOTE = forms.Textarea(attrs={"rows": 2})
_CHOICES = forms.CheckboxSelectMultiple

TEXT_LABELS = {
    "name": _("Name of the service"),
    "description": _("What it is, in plain words"),
    "eligibility": _("Who can use it (in your words)"),
    "how_to_apply": _("How to apply"),
    "hours": _("Opening hours"),
    "cost_note": _("About the cost"),
}
_TEXT_WIDGETS = {"description": _LONG, "eligibility": _LONG, "how_to_apply": _LONG}


def text_field_name(field: str, language: str) -> str:
    return f"{field}_{language}"


class EntryForm(forms.Form):
    expected_version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    provider_kind = forms.ChoiceField(label=_("Kind of provider"), choices=ProviderKind.choices)
    service_type = forms.ChoiceField(label=_("Service"), choices=service_type_choices)
    covers_country = forms.BooleanField(label=_("Offered in the whole country"), required=False)
    areas = forms.CharField(
        label=_("Areas where it is offered"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One area per line: its official code, then its name if you like. A province or "
            "district covers every village inside it."
        ),
    )
    sexes = forms.MultipleChoiceField(
        label=_("Only for"),
        required=False,
        choices=Sex.choices,
        widget=_CHOICES,
        help_text=_("Leave empty when the service is for everyone."),
    )
    min_age = forms.IntegerField(label=_("From age"), required=False)
    max_age = forms.IntegerField(label=_("To age"), required=False)
    return_modes = forms.MultipleChoiceField(
        label=_("Only for returns that were"),
        required=False,
        choices=ReturnMode.choices,
        widget=_CHOICES,
        help_text=_("Leave empty when it does not matter how the worker came home."),
    )
    vulnerable_only = forms.BooleanField(
        label=_("Only for returnees an office assessed as urgent or high priority"),
        required=False,
    )
    capacity = forms.IntegerField(
        label=_("Places"),
        required=False,
        help_text=_("How many returnees the service can take at once; empty for no limit."),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"), required=False, widget=_CHOICES
    )
    cost = forms.ChoiceField(label=_("Cost"), choices=Cost.choices)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    website = forms.CharField(label=_("Website"), max_length=200, required=False)

    def __init__(
        self,
        *args: Any,
        languages: list[tuple[str, str]],
        language_labels: dict[str, str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["languages"].choices = languages  # type: ignore[attr-defined]
        for lang in languages_in_order():
            for field in TEXT_FIELDS:
                self.fields[text_field_name(field, lang)] = forms.CharField(
                    label=f"{TEXT_LABELS[field]} ({language_labels.get(lang, lang)})",
                    required=False,
                    widget=_TEXT_WIDGETS.get(field, forms.TextInput),
                )

    def text_columns(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The text fields, one column per language, for side by side writing."""
        return [
            (lang, [self[text_field_name(field, lang)] for field in TEXT_FIELDS])
            for lang in languages_in_order()
        ]

    def entry(self) -> EntryInput:
        data = self.cleaned_data
        texts = {
            lang: {field: data.get(text_field_name(field, lang)) or "" for field in TEXT_FIELDS}
            for lang in languages_in_order()
        }
        return EntryInput(
            provider_kind=data["provider_kind"],
            service_type=data["service_type"],
            texts=texts,
            covers_country=data["covers_country"],
            areas=area_codes_of(data["areas"]),
            sexes=tuple(data["sexes"]),
            min_age=data["min_age"],
            max_age=data["max_age"],
            return_modes=tuple(data["return_modes"]),
            vulnerable_only=data["vulnerable_only"],
            capacity=data["capacity"],
            languages=tuple(data["languages"]),
            cost=data["cost"],
            phone=data["phone"],
            email=data["email"],
            address=data["address"],
            website=data["website"],
        )


def entry_initial(entry: EntryInput, area_names: dict[str, str]) -> dict[str, Any]:
    """A form's starting values from an entry (as it is, or as last proposed)."""
    initial: dict[str, Any] = {
        "provider_kind": entry.provider_kind,
        "service_type": entry.service_type,
        "covers_country": entry.covers_country,
        "areas": "\n".join(f"{code} {area_names.get(code, '')}".strip() for code in entry.areas),
        "sexes": list(entry.sexes),
        "min_age": entry.min_age,
        "max_age": entry.max_age,
        "return_modes": list(entry.return_modes),
        "vulnerable_only": entry.vulnerable_only,
        "capacity": entry.capacity,
        "languages": list(entry.languages),
        "cost": entry.cost,
        "phone": entry.phone,
        "email": entry.email,
        "address": entry.address,
        "website": entry.website,
    }
    for lang, texts in entry.texts.items():
        for field, value in texts.items():
            initial[text_field_name(field, lang)] = value
    return initial


_INDEX = re.compile(r"\[\d+\]$")


def form_field_of(path: str) -> str:
    """Where a service's error goes on the form: ``texts.id.name`` → ``name_id``,
    ``areas[2]`` → ``areas``."""
    parts = path.split(".")
    if len(parts) == 3 and parts[0] == "texts":
        return text_field_name(parts[2], parts[1])
    return _INDEX.sub("", path)


def apply_errors(form: forms.Form, errors: list[dict[str, Any]]) -> None:
    """A service's field errors onto the form's fields, the others on top."""
    for error in errors:
        name = form_field_of(str(error.get("field", "")))
        form.add_error(name if name in form.fields else None, str(error["reason"]))


class WithdrawForm(forms.Form):
    expected_version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Why it is taken off the directory"), max_length=500, widget=_NOTE
    )


class DecisionForm(forms.Form):
    expected_version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve and publish")), ("reject", _("Reject"))],
        widget=forms.HiddenInput,
    )
    note = forms.CharField(
        label=_("Note to the provider (needed to reject)"),
        max_length=500,
        required=False,
        widget=_NOTE,
    )


class AreaSearchForm(forms.Form):
    q = forms.CharField(label=_("Find an area by name or code"), max_length=100, required=False)
