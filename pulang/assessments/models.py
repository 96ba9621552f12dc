"""Instruments (versioned questionnaires, loaded from files) and the assessments recorded
with them. An assessment keeps the answers and the result as they were scored: a later
version of the instrument never changes what an earlier assessment said, and a
re-assessment is a new row beside the first (``previous``), never an overwrite."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pulang.assessments.codes import InstrumentKind, Priority, Setting
from pulang.orgs.models import Organisation


class Instrument(models.Model):
    code = models.SlugField(_("code"), max_length=63, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=InstrumentKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class InstrumentVersion(models.Model):
    """One version of an instrument, exactly as its file defined it (checked on load).
    Once an assessment uses it, it never changes: a changed file needs a new version."""

    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField(_("version"))
    definition = models.JSONField(_("definition"))
    # SHA-256 of the definition in canonical JSON: tells a changed file from the same one.
    checksum = models.CharField(max_length=64)
    source = models.CharField(_("file"), max_length=200, blank=True)
    loaded_at = models.DateTimeField()

    class Meta:
        ordering = ["instrument__code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "version"], name="instrument_version_unique"
            ),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id} v{self.version}"


class Assessment(models.Model):
    # Through the return, not the person directly: a merge moves returns with everything
    # recorded on them, so an assessment follows its person without a second path.
    return_event = models.ForeignKey(
        "registry.Return",
        on_delete=models.CASCADE,
        related_name="assessments",
        verbose_name=_("return"),
    )
    instrument_version = models.ForeignKey(
        InstrumentVersion, on_delete=models.PROTECT, related_name="assessments"
    )
    answers = models.JSONField(_("answers"))  # sensitive: health, violence, trafficking
    # levels, priority, the rules that fired with their reasons, recommendations.
    result = models.JSONField(_("result"))
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices)
    is_restricted = models.BooleanField(_("restricted"), default=False)
    setting = models.CharField(_("where"), max_length=8, choices=Setting.choices)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("by office")
    )
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("assessed by"),
    )
    assessed_at = models.DateTimeField(_("assessed at"))
    # The earlier assessment of the same return with the same instrument, if any.
    previous = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-assessed_at", "-pk"]
        indexes = [
            models.Index(fields=["return_event", "assessed_at"], name="assessment_return_idx"),
            models.Index(fields=["organisation", "priority"], name="assessment_office_idx"),
        ]

    def __str__(self) -> str:
        return f"assessment {self.pk}"
