"""The audit log: append-only. The database itself refuses updates and deletes
(triggers in migration 0002), so not even a bug or a shell session can rewrite history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    class Channel(models.TextChoices):
        WEB = "web", _("Web")
        API = "api", _("API")
        CLI = "cli", _("Command line")
        TASK = "task", _("Background task")

    at = models.DateTimeField(_("when"), db_index=True)
    # The user is kept by id and name: the event outlives any change to the account.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    username = models.CharField(_("user"), max_length=150, blank=True)
    organisation = models.ForeignKey(
        "orgs.Organisation",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    organisation_name = models.CharField(_("organisation"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=32, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    subject_type = models.CharField(_("record type"), max_length=64, blank=True)
    subject_id = models.CharField(_("record"), max_length=64, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    # Counts and codes only, never personal data.
    details = models.JSONField(_("details"), default=dict, blank=True)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="audit_subject_idx"),
            models.Index(fields=["user", "at"], name="audit_user_at_idx"),
            models.Index(fields=["organisation", "at"], name="audit_org_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username or '-'} {self.action}"

    def action_label(self) -> str:
        from pulang.audit.actions import LABELS, Action

        try:
            return str(LABELS[Action(self.action)])
        except ValueError:
            return self.action

    def role_label(self) -> str:
        from pulang.orgs.models import Role

        try:
            return str(Role(self.role).label)
        except ValueError:
            return self.role
