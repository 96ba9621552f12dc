"""Cases: one returnee's way from an assessment to a sustainable outcome (issue #5).

A case belongs to one return of one person and is held by one office (``organisation``),
within whose jurisdiction it lies: the area it is followed in at home, or the destination
country while the worker is still abroad (a consular post's case, forwarded home on
arrival). Its life is a declared state machine (``TRANSITIONS``); every change is a
service in ``services.py`` and leaves a ``CaseEvent``. Restricted cases (trafficking,
gender-based violence, minors) are for users with clearance only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pulang.geo.models import AdminArea
from pulang.orgs.models import Organisation
from pulang.reference.models import Country, Currency
from pulang.registry.models import Person, Return

_PROTECT = models.PROTECT


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    ASSESSED = "assessed", _("Assessed")
    PLAN_AGREED = "plan_agreed", _("Plan agreed")
    IN_PROGRESS = "in_progress", _("In progress")
    MONITORING = "monitoring", _("Monitoring")
    CLOSED = "closed", _("Closed")


class Priority(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


# Work lists put the most pressing first.
PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.MEDIUM: 2, Priority.LOW: 3}


class Sensitivity(models.TextChoices):
    STANDARD = "standard", _("Standard")
    RESTRICTED = "restricted", _("Restricted (trafficking, gender-based violence, minors)")


class ClosureReason(models.TextChoices):
    GOALS_ACHIEVED = "goals_achieved", _("Goals achieved")
    # Leaving again is a legitimate choice (Annex 1 §11): recorded, never counted against.
    REMIGRATED = "remigrated", _("Migrated again")
    UNREACHABLE = "unreachable", _("Could not be reached")
    DECLINED = "declined", _("Declined further support")
    DECEASED = "deceased", _("Deceased")
    TRANSFERRED = "transferred", _("Transferred to another programme")


class Transition(models.TextChoices):
    MARK_ASSESSED = "mark_assessed", _("Needs assessed")
    AGREE_PLAN = "agree_plan", _("Plan agreed with the returnee")
    START = "start", _("Support started")
    MONITOR = "monitor", _("Support delivered: monitoring")
    CLOSE = "close", _("Closed")
    REOPEN = "reopen", _("Reopened")


# The state machine: each transition, the states it may start from, and where it leads.
# Closing is possible from every open state (a returnee may decline, move or die at any
# point); a closed case reopens where it had reached before it was closed ("in progress"
# when it had a plan, "open" otherwise: see services.case_reopen).
TRANSITIONS: dict[Transition, tuple[frozenset[Status], Status | None]] = {
    Transition.MARK_ASSESSED: (frozenset({Status.OPEN}), Status.ASSESSED),
    Transition.AGREE_PLAN: (frozenset({Status.ASSESSED}), Status.PLAN_AGREED),
    Transition.START: (frozenset({Status.PLAN_AGREED}), Status.IN_PROGRESS),
    Transition.MONITOR: (frozenset({Status.IN_PROGRESS}), Status.MONITORING),
    Transition.CLOSE: (
        frozenset(
            {
                Status.OPEN,
                Status.ASSESSED,
                Status.PLAN_AGREED,
                Status.IN_PROGRESS,
                Status.MONITORING,
            }
        ),
        Status.CLOSED,
    ),
    Transition.REOPEN: (frozenset({Status.CLOSED}), None),
}


class Case(models.Model):
    person = models.ForeignKey(Person, on_delete=_PROTECT, related_name="cases")
    return_record = models.ForeignKey(
        Return, on_delete=_PROTECT, null=True, blank=True, related_name="cases"
    )
    # The office holding the case, and where it is followed: an area at home, or the
    # destination country while the worker is abroad.
    organisation = models.ForeignKey(Organisation, on_delete=_PROTECT, related_name="cases")
    area = models.ForeignKey(AdminArea, on_delete=_PROTECT, null=True, blank=True, related_name="+")
    abroad_in = models.ForeignKey(
        Country, on_delete=_PROTECT, null=True, blank=True, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=_PROTECT,
        null=True,
        blank=True,
        related_name="owned_cases",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices)
    # Denormalised rank of ``priority`` so that work lists sort in the database.
    priority_rank = models.PositiveSmallIntegerField()
    sensitivity = models.CharField(
        _("sensitivity"), max_length=10, choices=Sensitivity.choices, default=Sensitivity.STANDARD
    )
    # The assessment that opened it (or the latest one taken into it), and why it was
    # opened: in the words of the rules that fired, or of the officer who opened it.
    assessment = models.ForeignKey(
        "assessments.Assessment",
        on_delete=_PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    reason = models.CharField(_("why the case was opened"), max_length=500)
    # Set while a case opened abroad waits for the office at home to take it up.
    forwarded_at = models.DateTimeField(null=True, blank=True)
    closure_reason = models.CharField(
        _("reason for closing"), max_length=16, choices=ClosureReason.choices, blank=True
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=_PROTECT, null=True, related_name="+"
    )
    # Optimistic locking: every write checks and bumps it (two officers, one case).
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["priority_rank", "opened_at", "pk"]
        indexes = [
            models.Index(
                fields=["owner", "status", "priority_rank", "opened_at"], name="case_owner_list"
            ),
            models.Index(fields=["organisation", "status", "owner"], name="case_office_list"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(area__isnull=False) | models.Q(abroad_in__isnull=False),
                name="case_has_a_place",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="closed") | ~models.Q(closure_reason=""),
                name="case_closed_has_reason",
            ),
            # One case in progress per return: a second one would split the story.
            models.UniqueConstraint(
                fields=["return_record"],
                condition=~models.Q(status="closed"),
                name="case_one_open_per_return",
            ),
        ]

    def __str__(self) -> str:
        return f"case {self.pk}"

    @property
    def is_restricted(self) -> bool:
        return self.sensitivity == Sensitivity.RESTRICTED

    @property
    def is_closed(self) -> bool:
        return self.status == Status.CLOSED


class CaseEvent(models.Model):
    """The case's history: transitions, assignments and transfers, who and when."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        TRANSITION = "transition", _("Status changed")
        ASSIGNED = "assigned", _("Assigned")
        TRANSFERRED = "transferred", _("Transferred to another office")
        FORWARDED = "forwarded", _("Forwarded home from abroad")
        RECEIVED = "received", _("Taken up by the office at home")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    transition = models.CharField(max_length=16, choices=Transition.choices, blank=True)
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    # Assignments and transfers: from whom / which office, to whom / which office.
    from_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=_PROTECT, null=True, blank=True, related_name="+"
    )
    to_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=_PROTECT, null=True, blank=True, related_name="+"
    )
    from_organisation = models.ForeignKey(
        Organisation, on_delete=_PROTECT, null=True, blank=True, related_name="+"
    )
    to_organisation = models.ForeignKey(
        Organisation, on_delete=_PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=_PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} on case {self.case_id}"


class FollowUp(models.Model):
    """A scheduled contact with the returnee (1, 3, 6, 12 months after return by default,
    ``PULANG_FOLLOW_UP_MONTHS``), and what came of it."""

    class Status(models.TextChoices):
        DUE = "due", _("Due")
        DONE = "done", _("Done")
        MISSED = "missed", _("Not reached")
        CANCELLED = "cancelled", _("Cancelled")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    months_after_return = models.PositiveSmallIntegerField()
    due_on = models.DateField(db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DUE)
    outcome = models.CharField(_("outcome"), max_length=500, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=_PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "months_after_return"], name="follow_up_once_per_month"
            )
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="follow_up_due")]

    def __str__(self) -> str:
        return f"follow-up {self.months_after_return} m on case {self.case_id}"


class ContactAttempt(models.Model):
    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone call")
        MESSAGE = "message", _("Text or chat message")
        VISIT = "visit", _("Home visit")
        OFFICE = "office", _("At the office")

    follow_up = models.ForeignKey(
        FollowUp, on_delete=models.CASCADE, null=True, blank=True, related_name="attempts"
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contact_attempts")
    channel = models.CharField(_("how"), max_length=10, choices=Channel.choices)
    reached = models.BooleanField(_("reached the returnee"))
    outcome = models.CharField(_("what came of it"), max_length=500, blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=_PROTECT, related_name="+")

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"contact attempt on case {self.case_id}"


class CaseNote(models.Model):
    """A case worker's note. Notes marked restricted (and every note of a restricted
    case) are stored encrypted (``pulang.cases.crypto``): ``text`` is empty then."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    restricted = models.BooleanField(default=False)
    text = models.TextField(blank=True)
    ciphertext = models.BinaryField(null=True, blank=True, editable=False)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=_PROTECT, related_name="+")

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(restricted=False) | models.Q(text=""),
                name="case_note_restricted_is_encrypted",
            )
        ]

    def __str__(self) -> str:
        return f"note on case {self.case_id}"


class Dimension(models.TextChoices):
    """The guideline's four dimensions of reintegration (¶19)."""

    ECONOMIC = "economic", _("Economic")
    SOCIAL = "social", _("Social")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial")
    HEALTH = "health", _("Health")


class Plan(models.Model):
    """The reintegration plan, agreed *with* the returnee: goals per dimension, each with
    actions. Offices that want it have a supervisor approve the plan before it counts as
    agreed (``PULANG_PLAN_APPROVAL``)."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="plan")
    # What the returnee wants, in their own words.
    returnee_words = models.TextField(_("in the returnee's own words"), blank=True)
    # The plan the worker made before leaving or before returning (guideline ¶62).
    pre_departure_plan = models.TextField(_("plan made before returning"), blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=_PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"plan of case {self.case_id}"


class PlanGoal(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Working on it")
        ACHIEVED = "achieved", _("Achieved")
        DROPPED = "dropped", _("No longer wanted")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="goals")
    dimension = models.CharField(_("dimension"), max_length=12, choices=Dimension.choices)
    text = models.CharField(_("goal"), max_length=300)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["dimension", "created_at", "pk"]

    def __str__(self) -> str:
        return self.text


class PlanAction(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("Under way")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    class Owner(models.TextChoices):
        RETURNEE = "returnee", _("The returnee")
        OFFICE = "office", _("This office")
        PROVIDER = "provider", _("A service provider")
        FAMILY = "family", _("The family")

    goal = models.ForeignKey(PlanGoal, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(_("action"), max_length=300)
    owner = models.CharField(_("who does it"), max_length=10, choices=Owner.choices)
    due_on = models.DateField(_("due by"))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.description


class Assistance(models.Model):
    """Help the office gave directly — apart from referrals to other providers."""

    class Kind(models.TextChoices):
        CASH = "cash", _("Cash")
        TRANSPORT = "transport", _("Transport")
        ITEMS = "items", _("Goods or a starter kit")
        COUNSELLING = "counselling", _("Counselling session")
        ACCOMMODATION = "accommodation", _("Temporary accommodation")
        OTHER = "other", _("Other")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assistance")
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    description = models.CharField(_("what was given"), max_length=300)
    # Money is an amount and an ISO 4217 currency, never a float.
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    currency = models.ForeignKey(
        Currency, on_delete=_PROTECT, null=True, blank=True, related_name="+"
    )
    given_on = models.DateField(_("given on"))
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=_PROTECT, related_name="+")

    class Meta:
        ordering = ["-given_on", "-pk"]
        verbose_name_plural = _("assistance")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__isnull=True, currency__isnull=True)
                | models.Q(amount__isnull=False, amount__gt=0, currency__isnull=False),
                name="assistance_amount_has_currency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} on case {self.case_id}"
