"""The returnee registry: one Person per human being, fed by every channel.

Names are kept exactly as written; matching keys derived from them (``names.name_keys``)
are stored beside them for search. Sensitive fields (health, disability, abuse) are
marked ``# sensitive`` and shown only on need to know.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from pulang.geo.models import AdminArea
from pulang.orgs.models import Organisation
from pulang.reference.models import Country, Currency, Language, Occupation
from pulang.registry.codes import (
    Channel,
    ConsentMethod,
    ConsentPurpose,
    DatePrecision,
    EducationLevel,
    IdentifierKind,
    Intention,
    LegalStatus,
    Readiness,
    ReturnMode,
    ReturnReason,
    ReturnStatus,
    Sex,
    SkillLevel,
)

_PROTECT = models.PROTECT


class Person(models.Model):
    full_name = models.CharField(_("full name, as written"), max_length=200)
    given_name = models.CharField(_("given name"), max_length=120, blank=True)
    family_name = models.CharField(_("family name"), max_length=120, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True, db_index=True)
    # Imprecise dates are stored at their start: a year (or an estimate) as 1 January,
    # a month as its 1st; ``birth_date_precision`` says which.
    birth_date_precision = models.CharField(
        _("how exact the date of birth is"),
        max_length=10,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
    )
    nationality = models.ForeignKey(
        Country, on_delete=_PROTECT, related_name="+", verbose_name=_("nationality")
    )
    phone = models.CharField(_("phone (international format)"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    home_area = models.ForeignKey(
        AdminArea,
        on_delete=_PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("home area"),
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    has_disability = models.BooleanField(_("has a disability"), null=True, blank=True)  # sensitive
    household_size = models.PositiveSmallIntegerField(_("household size"), null=True, blank=True)
    dependants = models.PositiveSmallIntegerField(_("dependants"), null=True, blank=True)
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    education_level = models.CharField(
        _("education"),
        max_length=20,
        choices=EducationLevel.choices,
        default=EducationLevel.UNKNOWN,
    )
    # Set while the worker is abroad (consular scope); cleared on arrival home.
    abroad_in = models.ForeignKey(
        Country,
        on_delete=_PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("currently abroad in"),
    )
    # Restricted persons (trafficking, gender-based violence, minors) need clearance.
    is_restricted = models.BooleanField(_("restricted"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)
    erased_at = models.DateTimeField(null=True, blank=True)
    # Set when this record was found to be the same person as another and merged into it
    # (``PersonMerge``): it then appears nowhere but points to the record that holds it all.
    merged_into = models.ForeignKey(
        "self",
        on_delete=_PROTECT,
        null=True,
        blank=True,
        related_name="absorbed_records",
        verbose_name=_("merged into"),
    )
    merged_at = models.DateTimeField(_("merged"), null=True, blank=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [models.Index(fields=["phone"], name="person_phone_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(merged_into__isnull=True, merged_at__isnull=True)
                | models.Q(merged_into__isnull=False, merged_at__isnull=False),
                name="person_merged_has_date",
            ),
            models.CheckConstraint(
                condition=~models.Q(merged_into=models.F("pk")),
                name="person_not_merged_into_itself",
            ),
        ]

    def __str__(self) -> str:
        return f"Person {self.pk}"  # never the name: str() reaches logs


class PersonName(models.Model):
    """A name a person is known by, as written, with the keys search matches on."""

    class Kind(models.TextChoices):
        PRIMARY = "primary", _("Name used in Pulang")
        ALIAS = "alias", _("Other spelling or nickname")
        NATIVE_SCRIPT = "native_script", _("Name in own script")
        PREVIOUS = "previous", _("Previous name")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="names")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    written = models.CharField(_("name, as written"), max_length=200)
    folded = models.CharField(max_length=200)
    sorted_tokens = models.CharField(max_length=200)
    phonetic = models.CharField(max_length=200, db_index=True)
    script = models.CharField(max_length=4, blank=True)
    # The birth year of the record the name came with (kept in step when the person's date
    # of birth is corrected): search narrows its phonetic-code index by it (0006).
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["sorted_tokens"], name="personname_sorted_idx")]

    def __str__(self) -> str:
        return f"Name {self.pk} of person {self.person_id}"


class Identifier(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="identifiers")
    kind = models.CharField(_("document"), max_length=16, choices=IdentifierKind.choices)
    # Normalised: upper case, no spaces or separators, so that any spelling finds it.
    number = models.CharField(_("number"), max_length=40)  # sensitive
    issuing_country = models.ForeignKey(
        Country, on_delete=_PROTECT, related_name="+", verbose_name=_("issued by")
    )
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    is_current = models.BooleanField(_("current"), default=True)
    verified = models.BooleanField(_("seen on a document"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["number"], name="identifier_number_idx")]

    def __str__(self) -> str:
        return f"{self.kind} of person {self.person_id}"


class MigrationEpisode(models.Model):
    """One stay abroad for work."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="episodes")
    destination_country = models.ForeignKey(
        Country, on_delete=_PROTECT, related_name="+", verbose_name=_("destination country")
    )
    destination_city = models.CharField(_("city"), max_length=120, blank=True)
    employer_name = models.CharField(_("employer"), max_length=200, blank=True)
    sector = models.CharField(_("sector (ISIC section)"), max_length=1, blank=True)
    occupation = models.ForeignKey(
        Occupation,
        on_delete=_PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("occupation (ISCO-08)"),
    )
    job_title = models.CharField(_("job title, as written"), max_length=200, blank=True)
    visa_type = models.CharField(_("visa or permit type"), max_length=40, blank=True)
    started_on = models.DateField(_("started"), null=True, blank=True)
    ended_on = models.DateField(_("ended"), null=True, blank=True)
    recruitment_agency = models.ForeignKey(
        Organisation,
        on_delete=_PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recruitment agency"),
    )
    agency_name = models.CharField(_("agency, as named"), max_length=200, blank=True)
    legal_status = models.CharField(
        _("legal status"), max_length=24, choices=LegalStatus.choices, default=LegalStatus.UNKNOWN
    )
    migration_cost = models.DecimalField(
        _("cost of migrating"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    migration_cost_currency = models.ForeignKey(
        Currency, on_delete=_PROTECT, null=True, blank=True, related_name="+"
    )
    cost_financing = models.JSONField(_("how the cost was paid"), default=list, blank=True)
    abuse_indicators = models.JSONField(_("abuse reported"), default=list, blank=True)  # sensitive
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["started_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(started_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="episode_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=models.Q(migration_cost__isnull=True)
                | models.Q(migration_cost_currency__isnull=False),
                name="episode_cost_has_currency",
            ),
        ]

    def __str__(self) -> str:
        return f"Episode {self.pk} of person {self.person_id}"


class Return(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="returns")
    episode = models.ForeignKey(
        MigrationEpisode, on_delete=models.SET_NULL, null=True, blank=True, related_name="returns"
    )
    status = models.CharField(_("status"), max_length=10, choices=ReturnStatus.choices)
    returned_on = models.DateField(_("date of return"), null=True, blank=True, db_index=True)
    expected_on = models.DateField(_("expected date of return"), null=True, blank=True)
    port_of_entry = models.CharField(_("port of entry"), max_length=120, blank=True)
    reason = models.CharField(_("reason for return"), max_length=24, choices=ReturnReason.choices)
    mode = models.CharField(_("mode of return"), max_length=12, choices=ReturnMode.choices)
    readiness = models.CharField(
        _("readiness to return"),
        max_length=10,
        choices=Readiness.choices,
        default=Readiness.UNKNOWN,
    )
    intention = models.CharField(
        _("intention"), max_length=10, choices=Intention.choices, default=Intention.UNDECIDED
    )
    destination_area = models.ForeignKey(
        AdminArea,
        on_delete=_PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("returning to"),
    )
    support_received = models.CharField(_("support received"), max_length=300, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    reported_by = models.ForeignKey(
        Organisation, on_delete=_PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-returned_on", "-expected_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="arrived") | models.Q(returned_on__isnull=False),
                name="return_arrived_has_date",
            )
        ]

    def __str__(self) -> str:
        return f"Return {self.pk} of person {self.person_id}"


class Skill(models.Model):
    """A skill, certificate or language acquired abroad (R-REG-3)."""

    class Kind(models.TextChoices):
        OCCUPATION = "occupation", _("Occupational skill")
        CERTIFICATE = "certificate", _("Certificate")
        LANGUAGE = "language", _("Language")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="skills")
    episode = models.ForeignKey(
        MigrationEpisode, on_delete=models.SET_NULL, null=True, blank=True, related_name="skills"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    occupation = models.ForeignKey(
        Occupation, on_delete=_PROTECT, null=True, blank=True, related_name="+"
    )
    language = models.ForeignKey(
        Language, on_delete=_PROTECT, null=True, blank=True, related_name="+"
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    level = models.CharField(_("level"), max_length=12, choices=SkillLevel.choices, blank=True)
    issuer = models.CharField(_("issued by"), max_length=200, blank=True)
    evidence = models.CharField(_("evidence"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Skill {self.pk} of person {self.person_id}"


class Consent(models.Model):
    """Consent for one purpose, as given; withdrawal is recorded, never deleted."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=20, choices=ConsentPurpose.choices)
    method = models.CharField(_("how it was given"), max_length=10, choices=ConsentMethod.choices)
    given_at = models.DateTimeField(_("given"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=_PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by_organisation = models.ForeignKey(
        Organisation, on_delete=_PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=_PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["-given_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "purpose"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="consent_one_live_per_purpose",
            )
        ]

    def __str__(self) -> str:
        return f"Consent {self.purpose} of person {self.person_id}"


class PersonOrganisationLink(models.Model):
    """Organisations whose own records include this person (an agency that placed them,
    an organisation that registered them): their "own records" scope."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=_PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "organisation"], name="person_link_unique")
        ]

    def __str__(self) -> str:
        return f"Person {self.person_id} ↔ organisation {self.organisation_id}"


class IntakeRecord(models.Model):
    """What one channel reported, kept as received, linked to the person it became."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Waiting for an office to check")
        CREATED = "created", _("Registered as a new person")
        LINKED = "linked", _("Linked to a person already registered")
        REJECTED = "rejected", _("Rejected")

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    payload = models.JSONField(_("as received"))
    received_at = models.DateTimeField(_("received"), db_index=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=_PROTECT, null=True, blank=True, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=_PROTECT, null=True, blank=True, related_name="+"
    )
    # Supplied by systems (API, imports) so that sending the same record twice is harmless.
    idempotency_key = models.CharField(max_length=100, blank=True)
    # Self-registration: the code the returnee keeps to come back to their record.
    reference_code = models.CharField(max_length=12, blank=True)
    # Where the record should be handled: the home area, or the destination for consuls.
    area = models.ForeignKey(AdminArea, on_delete=_PROTECT, null=True, blank=True, related_name="+")
    person = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="intakes"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=_PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "channel", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="intake_idempotent_per_sender",
            ),
            models.UniqueConstraint(
                fields=["reference_code"],
                condition=~models.Q(reference_code=""),
                name="intake_reference_code_unique",
            ),
        ]
        indexes = [models.Index(fields=["status", "area"], name="intake_status_area_idx")]

    def __str__(self) -> str:
        return f"Intake {self.pk} ({self.channel}, {self.status})"


class ErasureRequest(models.Model):
    """A request to erase a person's data (right to erasure), decided by a second person.

    Carrying it out anonymises the record instead of deleting it, so that statistics
    (returns by sex, year, destination, reason) keep their counts.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Waiting for a decision")
        REFUSED = "refused", _("Refused")
        DONE = "done", _("Erased")

    person = models.ForeignKey(Person, on_delete=_PROTECT, related_name="erasure_requests")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    reason = models.CharField(_("reason given"), max_length=500)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=_PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=_PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status="requested"),
                name="erasure_one_open_request",
            )
        ]

    def __str__(self) -> str:
        return f"Erasure request {self.pk} ({self.status})"


class PersonMerge(models.Model):
    """Two records found to be one person: ``absorbed`` was merged into ``survivor``.

    Holds everything needed to undo it exactly (``services/merge.py``): the rows moved,
    the duplicates left where they were, the values rows and survivor fields had before.
    Undoing fills in ``unmerged_*``; the merge itself stays as history.
    """

    survivor = models.ForeignKey(Person, on_delete=_PROTECT, related_name="merges_survived")
    absorbed = models.ForeignKey(Person, on_delete=_PROTECT, related_name="merges_absorbed")
    reason = models.CharField(_("why they are the same person"), max_length=500)
    # Decided by the linkage engine rather than a person (``decided_by`` may then be empty).
    automatic = models.BooleanField(_("merged automatically"), default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=_PROTECT, null=True, blank=True, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=_PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("merged"), db_index=True)
    # {model label: [row ids]} moved from the absorbed record to the survivor.
    moved = models.JSONField(default=dict, blank=True)
    # {model label: [row ids]} left on the absorbed record: the survivor already had them.
    kept = models.JSONField(default=dict, blank=True)
    # {model label: {"ids": [...], "values": {field: value before}}}: moved rows changed on
    # the way (the absorbed record's primary name became an alias of the survivor).
    rewritten = models.JSONField(default=dict, blank=True)
    # {field: value before} of the survivor's fields the merge changed (blanks it filled in
    # from the absorbed record; the restriction flag).
    survivor_before = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    # The survivor's version just after the merge: unchanged at undo time means untouched.
    survivor_version = models.PositiveIntegerField()
    unmerged_at = models.DateTimeField(_("undone"), null=True, blank=True)
    unmerged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=_PROTECT, null=True, blank=True, related_name="+"
    )
    unmerge_reason = models.CharField(_("why it was undone"), max_length=500, blank=True)
    # Survivor fields changed since the merge, so left as they were when it was undone.
    unmerge_kept = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("merge of two records")
        verbose_name_plural = _("merges of records")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(survivor=models.F("absorbed")),
                name="personmerge_two_records",
            ),
            models.CheckConstraint(
                condition=models.Q(automatic=True) | models.Q(decided_by__isnull=False),
                name="personmerge_decided_by_someone",
            ),
            models.CheckConstraint(
                condition=models.Q(unmerged_at__isnull=True, unmerged_by__isnull=True)
                | models.Q(unmerged_at__isnull=False, unmerged_by__isnull=False),
                name="personmerge_undone_by_someone",
            ),
            models.UniqueConstraint(
                fields=["absorbed"],
                condition=models.Q(unmerged_at__isnull=True),
                name="personmerge_absorbed_once",
            ),
        ]

    def __str__(self) -> str:
        return f"Merge {self.pk}: person {self.absorbed_id} into {self.survivor_id}"


# Import sources, batches and their problems live in registry/imports (docs/imports.md).
from pulang.registry.imports.models import ImportBatch, ImportRowError, ImportSource  # noqa: E402, F401
