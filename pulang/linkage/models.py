"""Batch record linkage: trained match models, linkage runs, the candidate pairs they find,
and the decisions people (or the automatic rule) make about pairs.

How a run fills these tables (docs/linkage.md):

- a run scores pairs of registry persons with a :class:`MatchModel`;
- each pair at or above the model's review threshold becomes one :class:`CandidatePair`,
  ``queued`` for a steward, or ``auto_linked`` when it is above the automatic threshold
  *and* both records carry the same verified document number (the two persons are then
  merged by the registry's merge service, in the same transaction);
- a pair some :class:`PairDecision` said were different people never comes back; a pair
  already open in the queue is not added twice; a pair anyone ever decided about is never
  linked automatically (it goes to the queue instead).

The review queue (pages, API) is built on these models elsewhere: a steward's decision on
a queued pair sets its ``status``, ``decided_by/at`` and ``decision_note`` and appends a
``PairDecision``; "same person" then calls the merge service.

``CandidatePair.comparisons`` holds copies of the compared values (matching keys, dates,
numbers) so that a reviewer sees what was compared: it is personal data, and erasing a
person must clear it on that person's pairs.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MatchModel(models.Model):
    """One trained model, numbered. ``settings`` is the complete Splink settings
    dictionary, m and u probabilities and the prior included, so a run with the same
    model and the same registry scores the same pairs the same way."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    # The comparisons and blocking rules it was trained under (pipeline.model.MODEL_FORMAT):
    # a model of another format is not used; a run retrains instead.
    model_format = models.PositiveSmallIntegerField(_("format"))
    settings = models.JSONField(_("Splink settings, with trained parameters"))
    auto_threshold = models.FloatField(_("automatic link above"))
    review_threshold = models.FloatField(_("review from"))
    trained_at = models.DateTimeField(_("trained"))
    trained_records = models.PositiveIntegerField(_("records trained on"))
    # Figures of the training (seconds per step, the prior and its evidence, seed, Splink
    # version) and the weight of every comparison level: counts and codes, no personal data.
    summary = models.JSONField(_("training summary"), default=dict, blank=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("match model")
        verbose_name_plural = _("match models")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(review_threshold__gte=0)
                & models.Q(review_threshold__lte=models.F("auto_threshold"))
                & models.Q(auto_threshold__lte=1),
                name="matchmodel_thresholds_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"Match model {self.version}"


class CommonWord(models.Model):
    """A name word (phonetic key) borne by more people than the common-word limit, or by
    at least ``pipeline.frame.TF_KEPT_FLOOR``, as the last run over the whole registry
    counted them. The duplicate check at the door reads these instead of counting a
    frequent word again (the costly count): it needs only to know whether a word is
    common. Each run over the whole registry replaces them."""

    word = models.CharField(_("word"), max_length=100, unique=True)
    persons = models.PositiveIntegerField(_("people bearing it"))
    counted_at = models.DateTimeField(_("counted"))

    class Meta:
        ordering = ["-persons", "word"]

    def __str__(self) -> str:
        return self.word


class TermFrequency(models.Model):
    """A primary name, phonetic key or date of birth borne by many people (at least
    ``pipeline.frame.TF_KEPT_FLOOR``), as the last run over the whole registry counted
    them: the door reads these instead of counting a common value (the costly count);
    each run over the whole registry replaces them."""

    column = models.CharField(max_length=16)
    value = models.CharField(max_length=200)
    persons = models.PositiveIntegerField(_("people bearing it"))
    counted_at = models.DateTimeField(_("counted"))

    class Meta:
        ordering = ["column", "-persons"]
        constraints = [
            models.UniqueConstraint(fields=["column", "value"], name="termfrequency_once")
        ]

    def __str__(self) -> str:
        return f"{self.column}: {self.value}"


class LinkageRun(models.Model):
    """One linkage of the whole registry, or of one import batch against it:
    queued → running → succeeded or failed (``TRANSITIONS``). A run writes its results in
    one transaction at its end; a failed or interrupted run has written nothing but its
    own status."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Finished")
        FAILED = "failed", _("Failed, nothing was changed")

    class Scope(models.TextChoices):
        REGISTRY = "registry", _("The whole registry")
        BATCH = "batch", _("One import batch against the registry")

    model = models.ForeignKey(
        MatchModel,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="runs",
        verbose_name=_("match model"),
    )
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices)
    batch = models.ForeignKey(
        "registry.ImportBatch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("import batch"),
    )
    retrain = models.BooleanField(_("train a new model"), default=False)
    # The thresholds the run used (PULANG_LINKAGE_* when it started).
    auto_threshold = models.FloatField(_("automatic link above"), null=True, blank=True)
    review_threshold = models.FloatField(_("review from"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"))
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    records = models.PositiveIntegerField(_("records linked"), default=0)
    comparisons = models.PositiveBigIntegerField(_("pairs compared"), default=0)
    pairs_above_review = models.PositiveIntegerField(_("pairs at or above review"), default=0)
    auto_linked = models.PositiveIntegerField(_("pairs linked automatically"), default=0)
    queued = models.PositiveIntegerField(_("pairs queued for review"), default=0)
    skipped_decided = models.PositiveIntegerField(_("pairs already decided"), default=0)
    skipped_open = models.PositiveIntegerField(_("pairs already in the queue"), default=0)
    clusters = models.PositiveIntegerField(_("groups of records found"), default=0)
    # Seconds per phase: extract, prepare, train, block, predict, cluster, collect, write.
    timings = models.JSONField(_("seconds per phase"), default=dict, blank=True)
    # Why it failed: the phase and the kind of error, never data from the registry.
    error = models.CharField(_("why it failed"), max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("linkage run")
        verbose_name_plural = _("linkage runs")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(scope="batch") & models.Q(batch__isnull=False))
                | (models.Q(scope="registry") & models.Q(batch__isnull=True)),
                name="linkagerun_batch_matches_scope",
            )
        ]

    def __str__(self) -> str:
        return f"Linkage run {self.pk} ({self.status})"


_S = LinkageRun.Status
TRANSITIONS: dict[str, frozenset[str]] = {
    _S.QUEUED: frozenset({_S.RUNNING, _S.FAILED}),
    _S.RUNNING: frozenset({_S.SUCCEEDED, _S.FAILED}),
    _S.SUCCEEDED: frozenset(),
    _S.FAILED: frozenset(),
}


class CandidatePair(models.Model):
    """Two persons a run found alike, ``person_a_id < person_b_id``.

    ``comparisons`` explains the score, per comparison (name, birth_date, ids, phone, area,
    address, sex)::

        {"name": {"level": "same name, spelt differently", "weight": 10.6,
                  "value_a": "siti aminah", "value_b": "sitti aminah"}, ...}

    ``weight`` is the comparison's match weight (log2 of its Bayes factor, term-frequency
    adjustment included); the weights and the model's prior add up to ``match_weight``.
    ``priority`` orders the queue: the match probability, plus ``RESTRICTED_BOOST`` when
    either person is restricted (possible harm first).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for review")
        AUTO_LINKED = "auto_linked", _("Linked automatically")
        DECIDED_SAME = "decided_same", _("Decided: the same person")
        DECIDED_DIFFERENT = "decided_different", _("Decided: different people")
        DECIDED_UNSURE = "decided_unsure", _("Decided: not sure")

    RESTRICTED_BOOST = 1.0

    run = models.ForeignKey(LinkageRun, on_delete=models.PROTECT, related_name="pairs")
    person_a = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("person A")
    )
    person_b = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("person B")
    )
    match_probability = models.FloatField(_("match probability"))
    match_weight = models.FloatField(_("match weight"))
    comparisons = models.JSONField(_("comparisons"), default=dict)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    priority = models.FloatField(_("priority"))
    created_at = models.DateTimeField(_("found"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-priority", "pk"]
        verbose_name = _("candidate pair")
        verbose_name_plural = _("candidate pairs")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person_a__lt=models.F("person_b")),
                name="candidatepair_ordered",
            ),
            # The same two persons are in the queue at most once.
            models.UniqueConstraint(
                fields=["person_a", "person_b"],
                condition=models.Q(status="queued"),
                name="candidatepair_open_once",
            ),
            models.CheckConstraint(
                condition=models.Q(match_probability__gte=0) & models.Q(match_probability__lte=1),
                name="candidatepair_probability",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-priority"], name="candidatepair_queue_idx"),
            models.Index(fields=["person_b"], name="candidatepair_person_b_idx"),
        ]

    def __str__(self) -> str:
        return f"Pair {self.pk} ({self.status})"


class PairDecision(models.Model):
    """What was decided about two persons (``person_a_id < person_b_id``), by a steward or
    by the automatic rule (``decided_by`` empty). Decisions are appended, never changed;
    "different people" keeps the pair out of every later run."""

    class Decision(models.TextChoices):
        SAME = "same", _("The same person")
        DIFFERENT = "different", _("Different people")
        UNSURE = "unsure", _("Not sure")

    person_a = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    person_b = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    pair = models.ForeignKey(
        CandidatePair, on_delete=models.PROTECT, null=True, blank=True, related_name="decisions"
    )
    # The merge a steward's "same person" made (undone or not, it stays the record of it).
    merge = models.ForeignKey(
        "registry.PersonMerge", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"))

    class Meta:
        ordering = ["-decided_at", "-pk"]
        verbose_name = _("pair decision")
        verbose_name_plural = _("pair decisions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person_a__lt=models.F("person_b")),
                name="pairdecision_ordered",
            )
        ]
        indexes = [
            models.Index(fields=["person_a", "person_b"], name="pairdecision_pair_idx"),
        ]

    def __str__(self) -> str:
        return f"Decision {self.pk} ({self.decision})"
