"""Page forms of the registry. They only parse; every rule lives in inputs/services, and
errors from there come back onto the field they name (``FIELD_OF_PATH``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pulang.registry.codes import (
    AbuseIndicator,
    ConsentMethod,
    ConsentPurpose,
    DatePrecision,
    IdentifierKind,
    Intention,
    LegalStatus,
    Readiness,
    ReturnMode,
    ReturnReason,
    ReturnStatus,
    Sex,
)
from pulang.registry.inputs import EpisodeInput, IdentifierInput, RegistrationInput, ReturnInput

# A date field takes ISO dates whatever the language (a localised value shows empty).
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _blank(label: Any) -> list[tuple[str, Any]]:
    return [("", label)]


class RegistrationForm(forms.Form):
    full_name = forms.CharField(label=_("Full name, as the person writes it"), max_length=200)
    native_name = forms.CharField(
        label=_("Name in the person's own script (if any)"), max_length=200, required=False
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=_DATE)
    birth_date_precision = forms.ChoiceField(
        label=_("The date of birth is"), choices=DatePrecision.choices, initial=DatePrecision.DAY
    )
    nationality = forms.ChoiceField(label=_("Nationality"))
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    home_area = forms.ChoiceField(label=_("Home area"), required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    id_kind = forms.ChoiceField(
        label=_("Identity document"),
        choices=_blank(_("None")) + IdentifierKind.choices,
        required=False,
    )
    id_number = forms.CharField(label=_("Document number"), max_length=40, required=False)
    destination_country = forms.ChoiceField(label=_("Country of work"), required=False)
    occupation = forms.ChoiceField(label=_("Occupation abroad (ISCO-08)"), required=False)
    job_title = forms.CharField(label=_("Job, in their words"), max_length=200, required=False)
    started_on = forms.DateField(label=_("Left for work abroad on"), required=False, widget=_DATE)
    legal_status = forms.ChoiceField(
        label=_("Legal status abroad"), choices=LegalStatus.choices, initial=LegalStatus.UNKNOWN
    )
    agency_name = forms.CharField(label=_("Recruitment agency"), max_length=200, required=False)
    abuse_indicators = forms.MultipleChoiceField(
        label=_("Abuse reported"),
        choices=AbuseIndicator.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    return_status = forms.ChoiceField(
        label=_("Return"), choices=ReturnStatus.choices, initial=ReturnStatus.ARRIVED
    )
    returned_on = forms.DateField(label=_("Date of return"), required=False, widget=_DATE)
    expected_on = forms.DateField(label=_("Expected date of return"), required=False, widget=_DATE)
    port_of_entry = forms.CharField(label=_("Port of entry"), max_length=120, required=False)
    reason = forms.ChoiceField(label=_("Reason for return"), choices=ReturnReason.choices)
    mode = forms.ChoiceField(
        label=_("Mode of return"),
        choices=ReturnMode.choices,
        help_text=_(
            "Voluntary: decided to return and arranged it. Spontaneous: returned on their "
            "own, without any programme. Assisted: helped home by a government or "
            "programme. Forced: made to leave (deported, expelled)."
        ),
    )
    readiness = forms.ChoiceField(
        label=_("Readiness to return"), choices=Readiness.choices, initial=Readiness.UNKNOWN
    )
    intention = forms.ChoiceField(
        label=_("Intention"), choices=Intention.choices, initial=Intention.UNDECIDED
    )
    consents = forms.MultipleChoiceField(
        label=_("The person agrees to"),
        choices=ConsentPurpose.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    consent_method = forms.ChoiceField(
        label=_("Consent given"), choices=ConsentMethod.choices, initial=ConsentMethod.VERBAL
    )

    def __init__(
        self,
        *args: Any,
        countries: list[tuple[str, str]],
        areas: list[tuple[str, str]],
        occupations: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["nationality"].choices = countries  # type: ignore[attr-defined]
        self.fields["destination_country"].choices = _blank(_("—")) + countries  # type: ignore[attr-defined]
        self.fields["home_area"].choices = _blank(_("—")) + areas  # type: ignore[attr-defined]
        self.fields["occupation"].choices = _blank(_("—")) + occupations  # type: ignore[attr-defined]

    def to_input(self) -> RegistrationInput:
        d = self.cleaned_data
        episode = None
        if d["destination_country"]:
            episode = EpisodeInput(
                destination_country=d["destination_country"],
                occupation=d["occupation"],
                job_title=d["job_title"],
                started_on=d["started_on"],
                legal_status=d["legal_status"],
                agency_name=d["agency_name"],
                abuse_indicators=list(d["abuse_indicators"]),
            )
        return RegistrationInput(
            full_name=d["full_name"],
            native_name=d["native_name"],
            sex=d["sex"],
            birth_date=d["birth_date"],
            birth_date_precision=d["birth_date_precision"],
            nationality=d["nationality"],
            phone=d["phone"],
            home_area=d["home_area"],
            address=d["address"],
            identifiers=[IdentifierInput(d["id_kind"], d["id_number"], d["nationality"])]
            if d["id_kind"]
            else [],
            episode=episode,
            return_=ReturnInput(
                reason=d["reason"],
                mode=d["mode"],
                status=d["return_status"],
                returned_on=d["returned_on"],
                expected_on=d["expected_on"],
                port_of_entry=d["port_of_entry"],
                readiness=d["readiness"],
                intention=d["intention"],
                destination_area=d["home_area"],
            ),
            consents=list(d["consents"]),
            consent_method=d["consent_method"],
        )


# Where an error found by the services goes on the form.
FIELD_OF_PATH = {
    "identifiers[0].number": "id_number",
    "identifiers[0].kind": "id_kind",
    "episode.destination_country": "destination_country",
    "episode.occupation": "occupation",
    "episode.started_on": "started_on",
    "return.returned_on": "returned_on",
    "return.destination_area": "home_area",
    "return.reason": "reason",
    "return.mode": "mode",
}


def apply_errors(form: forms.Form, errors: list[dict[str, Any]]) -> None:
    for error in errors:
        path = str(error.get("field", ""))
        name = FIELD_OF_PATH.get(path, path)
        # A hidden field shows no errors: its problems are the form's.
        shown = name in form.fields and not form.fields[name].widget.is_hidden
        form.add_error(name if shown else None, str(error["reason"]))


class SearchForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=_DATE)
    id_number = forms.CharField(label=_("ID or passport number"), max_length=40, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not any(cleaned.get(f) for f in ("name", "birth_date", "id_number", "phone")):
            raise forms.ValidationError(_("Fill in at least one field to search."))
        return cleaned


class PersonEditForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    full_name = forms.CharField(label=_("Full name, as the person writes it"), max_length=200)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=_DATE)
    birth_date_precision = forms.ChoiceField(
        label=_("The date of birth is"), choices=DatePrecision.choices
    )
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    reason = forms.CharField(
        label=_("Why the change (for the record)"), max_length=300, required=False
    )


class ArrivalForm(forms.Form):
    returned_on = forms.DateField(label=_("Arrived on"), widget=_DATE)
    port_of_entry = forms.CharField(label=_("Port of entry"), max_length=120, required=False)


class UnmergeForm(forms.Form):
    reason = forms.CharField(label=_("Why they are two different people"), max_length=500)
    confirm = forms.BooleanField(
        label=_(
            "I have checked: these records are two different people, and each gets back "
            "what it had before the merge."
        )
    )
