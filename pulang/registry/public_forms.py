"""The short self-registration form a returnee fills in on a cheap phone."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pulang.registry.codes import ConsentPurpose, ReturnReason, Sex

# A date field takes ISO dates whatever the language (a localised value shows empty).
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# The reasons a returnee recognises at a glance; officers refine them later.
SELF_REASONS = [
    (ReturnReason.END_OF_CONTRACT, _("My contract ended")),
    (ReturnReason.EARLY_TERMINATION, _("My contract was ended early")),
    (ReturnReason.ACCIDENT_OR_ILLNESS, _("I was injured or fell ill")),
    (ReturnReason.ABUSE_OR_VIOLENCE, _("I was treated badly or hurt")),
    (ReturnReason.DEPORTATION, _("I was sent back (deported)")),
    (ReturnReason.FAMILY_REASONS, _("Family reasons")),
    (ReturnReason.CRISIS, _("War, disaster or disease where I worked")),
    (ReturnReason.OTHER, _("Another reason")),
]


class SelfRegistrationForm(forms.Form):
    full_name = forms.CharField(label=_("Your full name"), max_length=200)
    sex = forms.ChoiceField(label=_("You are"), choices=Sex.choices)
    birth_date = forms.DateField(label=_("Your date of birth"), required=False, widget=_DATE)
    phone = forms.CharField(
        label=_("Your phone number"),
        max_length=30,
        required=False,
        help_text=_("So that the office can call you back."),
    )
    province = forms.ChoiceField(label=_("Province where you live now"), required=False)
    home_area = forms.ChoiceField(label=_("District, sub-district or village"), required=False)
    destination_country = forms.ChoiceField(label=_("Country where you worked"), required=False)
    job_title = forms.CharField(label=_("Your work there"), max_length=200, required=False)
    returned_on = forms.DateField(label=_("When you came home"), required=False, widget=_DATE)
    reason = forms.ChoiceField(label=_("Why you came home"), choices=SELF_REASONS)
    consents = forms.MultipleChoiceField(
        label=_("I agree that"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[
            (ConsentPurpose.CASE_MANAGEMENT, _("the office keeps my details to help me")),
            (
                ConsentPurpose.REFERRAL_SHARING,
                _("the office shares what is needed with services that can help me"),
            ),
        ],
    )
    reference_code = forms.CharField(required=False, widget=forms.HiddenInput, max_length=12)
    # A field people never see: forms that fill it are from robots.
    website = forms.CharField(required=False, label=_("Leave this empty"))

    def __init__(
        self,
        *args: Any,
        provinces: list[tuple[str, str]],
        areas: list[tuple[str, str]],
        countries: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        blank = [("", "—")]
        self.fields["province"].choices = blank + provinces  # type: ignore[attr-defined]
        self.fields["home_area"].choices = blank + areas  # type: ignore[attr-defined]
        self.fields["destination_country"].choices = blank + countries  # type: ignore[attr-defined]

    def payload(self, nationality: str) -> dict[str, Any]:
        """The draft as a registration payload (what ``registration_input_from_payload`` reads)."""
        d = self.cleaned_data
        area = d["home_area"] or d["province"]
        payload: dict[str, Any] = {
            "full_name": d["full_name"],
            "sex": d["sex"],
            "nationality": nationality,
            "birth_date": d["birth_date"].isoformat() if d["birth_date"] else None,
            "phone": d["phone"],
            "home_area": area,
            "consents": list(d["consents"]),
            "consent_method": "online",
            "return_": {
                "reason": d["reason"],
                "mode": "voluntary",
                "status": "arrived",
                "returned_on": d["returned_on"].isoformat() if d["returned_on"] else None,
                "destination_area": area,
            },
        }
        if d["destination_country"]:
            payload["episode"] = {
                "destination_country": d["destination_country"],
                "job_title": d["job_title"],
            }
        return payload


def initial_from_payload(payload: dict[str, Any], province: str) -> dict[str, Any]:
    """A saved draft back in the form (the inverse of ``SelfRegistrationForm.payload``)."""
    episode = payload.get("episode") or {}
    back = payload.get("return_") or {}
    area = str(payload.get("home_area") or "")
    return {
        "full_name": payload.get("full_name", ""),
        "sex": payload.get("sex", ""),
        "birth_date": payload.get("birth_date") or None,
        "phone": payload.get("phone", ""),
        "province": province,
        "home_area": "" if area == province else area,
        "destination_country": episode.get("destination_country", ""),
        "job_title": episode.get("job_title", ""),
        "returned_on": back.get("returned_on") or None,
        "reason": back.get("reason", ""),
        "consents": list(payload.get("consents") or []),
    }


class StatusForm(forms.Form):
    reference_code = forms.CharField(label=_("Your registration code"), max_length=12)
