"""The service directory and the referral network (issue #6).

A **Service** is one offer of a provider organisation in the directory: its type, where
it is offered (coverage areas), who may use it (eligibility), its capacity, languages,
hours, cost, contact and how to apply, in plain words per language. Providers propose
changes (**ServiceChange**) that a supervisor approves before the public sees them.

A **Referral** sends one returnee, from a case (usually from a plan action), to one
service; it follows a declared life cycle (``codes.STEPS``) with an event per step, the
provider's outcome and the returnee's feedback. The provider sees only what the referral
needs, never the case.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pulang.cases.models import Case, PlanAction
from pulang.geo.models import AdminArea
from pulang.orgs.models import Organisation
from pulang.referrals.codes import (
    ChangeStatus,
    ClosureReason,
    Cost,
    EntryStatus,
    FeedbackVia,
    NeedGroup,
    Outcome,
    ProviderKind,
    ServiceType,
    Status,
    Step,
)
from pulang.registry.models import Consent, Person

_PROTECT = models.PROTECT

# The texts of an entry, per language: {"id": {"name": …, "description": …}, "en": {…}}.
TEXT_FIELDS = ("name", "description", "eligibility", "how_to_apply", "hours", "cost_note")


class Service(models.Model):
    provider = models.ForeignKey(Organisation, on_delete=_PROTECT, related_name="services")
    provider_kind = models.CharField(
        _("kind of provider"), max_length=16, choices=ProviderKind.choices
    )
    service_type = models.CharField(_("service"), max_length=20, choices=ServiceType.choices)
    group = models.CharField(_("need"), max_length=20, choices=NeedGroup.choices)
    # The name in the provider's main language, for lists and sorting; every text
    # (this name included) per language in ``texts``.
    name = models.CharField(_("name"), max_length=200)
    texts = models.JSONField(_("texts per language"), default=dict)
    # Coverage: the whole country…
    covers_country = models.BooleanField(_("offered in the whole country"), default=False)
    # …and the areas in ``areas`` (ServiceArea rows).
    # Eligibility: empty lists and null ages mean "anyone".
    sexes = models.JSONField(_("for sexes"), default=list, blank=True)
    min_age = models.PositiveSmallIntegerField(_("from age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("to age"), null=True, blank=True)
    return_modes = models.JSONField(_("for returns that were"), default=list, blank=True)
    vulnerable_only = models.BooleanField(
        _("only for returnees assessed urgent or high priority"), default=False
    )
    # Capacity: referrals open at once (null: no limit). ``open_referrals`` is kept by
    # the referral services in the same transaction, so ranking never counts.
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True)
    open_referrals = models.PositiveIntegerField(default=0, editable=False)
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    cost = models.CharField(_("cost"), max_length=10, choices=Cost.choices, default=Cost.FREE)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    website = models.URLField(_("website"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=EntryStatus.choices, default=EntryStatus.PENDING
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name", "pk"]
        indexes = [
            models.Index(fields=["status", "service_type"], name="service_type_published"),
            models.Index(fields=["status", "group"], name="service_group_published"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_age__isnull=True)
                | models.Q(max_age__isnull=True)
                | models.Q(min_age__lte=models.F("max_age")),
                name="service_ages_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ServiceArea(models.Model):
    """One area a service is offered in (and everything inside it)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="areas")
    area = models.ForeignKey(AdminArea, on_delete=_PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "area"], name="service_area_once")
        ]
        indexes = [models.Index(fields=["area", "service"], name="service_area_lookup")]

    def __str__(self) -> str:
        return f"{self.service_id} in {self.area_id}"


class ServiceChange(models.Model):
    """A provider's proposed entry (new or changed); applied when a supervisor approves."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="changes")
    proposed = models.JSONField(_("proposed entry"))
    status = models.CharField(
        max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.PENDING
    )
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=_PROTECT, related_name="+")
    proposed_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=_PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("why"), max_length=500, blank=True)

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["service"],
                condition=models.Q(status="pending"),
                name="service_one_pending_change",
            )
        ]

    def __str__(self) -> str:
        return f"change {self.pk} of service {self.service_id}"


class Referral(models.Model):
    case = models.ForeignKey(Case, on_delete=_PROTECT, related_name="referrals")
    action = models.ForeignKey(
        PlanAction, on_delete=models.SET_NULL, null=True, blank=True, related_name="referrals"
    )
    person = models.ForeignKey(Person, on_delete=_PROTECT, related_name="referrals")
    service = models.ForeignKey(Service, on_delete=_PROTECT, related_name="referrals")
    # Copied from the service and the case when sent, for the inbox and the figures.
    provider = models.ForeignKey(Organisation, on_delete=_PROTECT, related_name="referrals_in")
    service_type = models.CharField(max_length=20, choices=ServiceType.choices)
    group = models.CharField(max_length=20, choices=NeedGroup.choices)
    area = models.ForeignKey(AdminArea, on_delete=_PROTECT, null=True, blank=True, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=_PROTECT, related_name="referrals_out")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    # What the provider is told: the minimum the service needs, written for them.
    shared_note = models.TextField(_("for the provider"), max_length=2000)
    consent = models.ForeignKey(
        Consent, on_delete=_PROTECT, null=True, blank=True, related_name="+"
    )
    # The returnee withdrew the consent it was sent under: the provider no longer sees it.
    details_withdrawn = models.BooleanField(default=False)
    override_reason = models.CharField(
        _("why it was sent without consent"), max_length=500, blank=True
    )
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=_PROTECT, null=True, blank=True, related_name="+"
    )
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=_PROTECT, related_name="+")
    sent_at = models.DateTimeField(_("sent"))
    responded_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(_("why it was declined"), max_length=500, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=14, choices=Outcome.choices, blank=True)
    outcome_note = models.CharField(_("what was delivered"), max_length=1000, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closure_reason = models.CharField(
        _("why it was closed"), max_length=10, choices=ClosureReason.choices, blank=True
    )
    updated_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (1 to 5)"), null=True, blank=True
    )
    feedback = models.CharField(_("feedback"), max_length=1000, blank=True)
    feedback_via = models.CharField(max_length=12, choices=FeedbackVia.choices, blank=True)
    feedback_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        indexes = [
            # The provider's inbox: new referrals by one status and date; those in hand
            # and those done by two statuses each, so each has its own partial index
            # giving the rows already in date order (bench.referrals).
            # (What the provider may no longer see, the consent withdrawn, is left out.)
            models.Index(
                fields=["provider", "status", "sent_at"],
                condition=models.Q(details_withdrawn=False),
                name="referral_inbox_shown",
            ),
            models.Index(
                fields=["provider", "sent_at", "id"],
                condition=models.Q(status__in=["accepted", "in_service"], details_withdrawn=False),
                name="referral_inbox_active_shown",
            ),
            models.Index(
                fields=["provider", "sent_at", "id"],
                condition=models.Q(status__in=["completed", "closed"], details_withdrawn=False),
                name="referral_inbox_done_shown",
            ),
            # Reminders: referrals at one stage sent before a date.
            models.Index(fields=["status", "sent_at"], name="referral_waiting"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(satisfaction__isnull=True)
                | models.Q(satisfaction__gte=1, satisfaction__lte=5),
                name="referral_satisfaction_1_to_5",
            ),
            models.CheckConstraint(
                condition=~models.Q(consent__isnull=True) | ~models.Q(override_reason=""),
                name="referral_consent_or_override",
            ),
        ]

    def __str__(self) -> str:
        return f"referral {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in (Status.SENT, Status.ACCEPTED, Status.IN_SERVICE)


class ReferralEvent(models.Model):
    """One step of a referral, with who took it and when."""

    class Kind(models.TextChoices):
        SENT = "sent", _("Sent")
        STEP = "step", _("Status changed")
        FEEDBACK = "feedback", _("Feedback recorded")
        REMINDED = "reminded", _("Reminder")
        CONSENT_WITHDRAWN = "consent", _("Closed: the returnee withdrew their consent")

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    step = models.CharField(max_length=10, choices=Step.choices, blank=True)
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=_PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} of referral {self.referral_id}"


class Reminder(models.Model):
    """A referral has waited too long at one stage: the provider (to answer or to
    record the outcome) and the referring case worker are told, once per stage."""

    class Recipient(models.TextChoices):
        PROVIDER = "provider", _("The provider")
        CASE_WORKER = "case_worker", _("The case worker")

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="reminders")
    stage = models.CharField(max_length=12, choices=Status.choices)
    recipient = models.CharField(max_length=12, choices=Recipient.choices)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "stage", "recipient"], name="reminder_once_per_stage"
            )
        ]
        indexes = [models.Index(fields=["organisation", "seen_at"], name="reminder_unseen")]

    def __str__(self) -> str:
        return f"reminder of referral {self.referral_id} at {self.stage}"
