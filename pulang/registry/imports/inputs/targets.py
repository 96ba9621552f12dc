"""The fields a column of an import file can fill: what a registration carries
(``inputs.RegistrationInput``), flattened to one value per column."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Kind(enum.StrEnum):
    TEXT = "text"
    DATE = "date"
    NUMBER = "number"
    DECIMAL = "decimal"
    YES_NO = "yes_no"
    CODE = "code"  # one code of a code list, or a reference code (country, area, ISCO)
    CODES = "codes"  # several codes in one cell, separated by ; , or |


class Group(enum.StrEnum):
    PERSON = "person"
    DOCUMENTS = "documents"
    EPISODE = "episode"
    RETURN = "return"
    RECORD = "record"


GROUP_LABELS: dict[Group, Promise] = {
    Group.PERSON: _("The person"),
    Group.DOCUMENTS: _("Identity documents"),
    Group.EPISODE: _("Work abroad"),
    Group.RETURN: _("Return"),
    Group.RECORD: _("The record in the sender's system"),
}


@dataclass(frozen=True)
class Target:
    name: str
    label: Promise
    kind: Kind
    group: Group
    # Where validate_registration reports a problem with it (its field path).
    path: str = ""


def _t(name: str, label: Promise, kind: Kind, group: Group, path: str = "") -> Target:
    return Target(name, label, kind, group, path or name)


TARGETS: tuple[Target, ...] = (
    _t("full_name", _("Full name, as written"), Kind.TEXT, Group.PERSON),
    _t("given_name", _("Given name"), Kind.TEXT, Group.PERSON),
    _t("family_name", _("Family name"), Kind.TEXT, Group.PERSON),
    _t("native_name", _("Name in the person's own script"), Kind.TEXT, Group.PERSON),
    _t("aliases", _("Other names or spellings"), Kind.CODES, Group.PERSON),
    _t("sex", _("Sex"), Kind.CODE, Group.PERSON),
    _t("birth_date", _("Date of birth"), Kind.DATE, Group.PERSON),
    _t("birth_date_precision", _("How exact the date of birth is"), Kind.CODE, Group.PERSON),
    _t("nationality", _("Nationality"), Kind.CODE, Group.PERSON),
    _t("phone", _("Phone"), Kind.TEXT, Group.PERSON),
    _t("email", _("Email"), Kind.TEXT, Group.PERSON),
    _t("home_area", _("Home area (official code)"), Kind.CODE, Group.PERSON),
    _t("address", _("Address"), Kind.TEXT, Group.PERSON),
    _t("has_disability", _("Has a disability"), Kind.YES_NO, Group.PERSON),
    _t("household_size", _("Household size"), Kind.NUMBER, Group.PERSON),
    _t("dependants", _("Dependants"), Kind.NUMBER, Group.PERSON),
    _t("languages", _("Languages spoken"), Kind.CODES, Group.PERSON),
    _t("education_level", _("Education"), Kind.CODE, Group.PERSON),
    _t("consents", _("Consent given for"), Kind.CODES, Group.PERSON),
    _t("consent_method", _("How consent was given"), Kind.CODE, Group.PERSON),
    _t("national_id_number", _("National identity number"), Kind.TEXT, Group.DOCUMENTS),
    _t("passport_number", _("Passport number"), Kind.TEXT, Group.DOCUMENTS),
    _t("worker_id_number", _("Migrant-worker card number"), Kind.TEXT, Group.DOCUMENTS),
    _t("destination_country", _("Country of work"), Kind.CODE, Group.EPISODE),
    _t("destination_city", _("City of work"), Kind.TEXT, Group.EPISODE),
    _t("employer_name", _("Employer"), Kind.TEXT, Group.EPISODE),
    _t("sector", _("Sector (ISIC section)"), Kind.CODE, Group.EPISODE),
    _t("occupation", _("Occupation (ISCO-08)"), Kind.CODE, Group.EPISODE),
    _t("job_title", _("Job, as written"), Kind.TEXT, Group.EPISODE),
    _t("visa_type", _("Visa or permit type"), Kind.TEXT, Group.EPISODE),
    _t("started_on", _("Left for work abroad on"), Kind.DATE, Group.EPISODE),
    _t("ended_on", _("Work abroad ended on"), Kind.DATE, Group.EPISODE),
    _t("agency_name", _("Recruitment agency, as named"), Kind.TEXT, Group.EPISODE),
    _t("legal_status", _("Legal status abroad"), Kind.CODE, Group.EPISODE),
    _t("migration_cost", _("Cost of migrating"), Kind.DECIMAL, Group.EPISODE),
    _t("migration_cost_currency", _("Currency of the cost"), Kind.CODE, Group.EPISODE),
    _t("cost_financing", _("How the cost was paid"), Kind.CODES, Group.EPISODE),
    _t("abuse_indicators", _("Abuse reported"), Kind.CODES, Group.EPISODE),
    _t("return_status", _("Arrived or expected"), Kind.CODE, Group.RETURN, "return.status"),
    _t("returned_on", _("Date of return"), Kind.DATE, Group.RETURN, "return.returned_on"),
    _t("expected_on", _("Expected date of return"), Kind.DATE, Group.RETURN, "return.expected_on"),
    _t("port_of_entry", _("Port of entry"), Kind.TEXT, Group.RETURN, "return.port_of_entry"),
    _t("reason", _("Reason for return"), Kind.CODE, Group.RETURN, "return.reason"),
    _t("mode", _("Mode of return"), Kind.CODE, Group.RETURN, "return.mode"),
    _t("readiness", _("Readiness to return"), Kind.CODE, Group.RETURN, "return.readiness"),
    _t("intention", _("Intention"), Kind.CODE, Group.RETURN, "return.intention"),
    _t(
        "return_area",
        _("Returning to (area code)"),
        Kind.CODE,
        Group.RETURN,
        "return.destination_area",
    ),
    _t(
        "support_received",
        _("Support received"),
        Kind.TEXT,
        Group.RETURN,
        "return.support_received",
    ),
    _t("source_record_id", _("Record number in the sender's system"), Kind.TEXT, Group.RECORD),
)
BY_NAME: dict[str, Target] = {t.name: t for t in TARGETS}

# Fields of an episode: a row fills one only when it names the country of work.
EPISODE_FIELDS = frozenset(t.name for t in TARGETS if t.group == Group.EPISODE)
# Identity documents by target, with the kind they are recorded as.
DOCUMENT_KINDS = {
    "national_id_number": "national_id",
    "passport_number": "passport",
    "worker_id_number": "worker_id",
}
# Targets a source may give one value for, used on every row that leaves them empty.
DEFAULTABLE = (
    "full_name",
    "sex",
    "nationality",
    "destination_country",
    "return_status",
    "reason",
    "mode",
    "legal_status",
    "visa_type",
    "port_of_entry",
)


def path_target(path: str, documents: list[str]) -> str:
    """The target a field path of ``validate_registration`` refers to: ``episode.sector``
    → ``sector``, ``identifiers[1].number`` → the row's second identity document."""
    if path.startswith("identifiers["):
        index = int(path[len("identifiers[") : path.index("]")])
        return documents[index] if index < len(documents) else "national_id_number"
    for target in TARGETS:
        if target.path == path:
            return target.name
    stem = path.split(".", 1)[-1].split("[", 1)[0]
    return stem if stem in BY_NAME else ""
