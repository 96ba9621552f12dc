"""Bulk imports: a source (who sends files, and how their columns map), a batch (one
uploaded file and its life cycle), and the problems found in it, row by row.

The uploaded file holds personal data: it lives under ``var/imports/<batch>/`` only until
the batch is done or abandoned (see docs/imports.md). Nothing here holds row contents.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pulang.orgs.models import Membership, Organisation


class FileKind(models.TextChoices):
    CSV = "csv", _("CSV (comma-separated values)")
    XLSX = "xlsx", _("Excel workbook (.xlsx)")


class ImportSource(models.Model):
    """Who sends files of one layout, and how to read them: ``mapping`` is
    ``{target field: column header}`` (a header or a list of accepted headers); ``defaults``
    holds values for unmapped fields, the date format and code translations."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    name = models.CharField(_("name"), max_length=120)
    file_kind = models.CharField(_("file type"), max_length=4, choices=FileKind.choices)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    defaults = models.JSONField(_("defaults and code translations"), default=dict, blank=True)
    # The shipped template it was created from ("eps"), if any.
    template = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("import source")
        verbose_name_plural = _("import sources")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="importsource_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ImportBatch(models.Model):
    """One uploaded file: uploaded → checking → checked → importing → done, or failed or
    abandoned (see ``TRANSITIONS``). Counts come from the check, then from the import."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded, columns to match")
        CHECKING = "checking", _("Being checked")
        CHECKED = "checked", _("Checked")
        IMPORTING = "importing", _("Being imported")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed, nothing was written")
        ABANDONED = "abandoned", _("Abandoned")

    source = models.ForeignKey(
        ImportSource,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="batches",
        verbose_name=_("source"),
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The role the upload was made in: the background runs act in it (role and scope).
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("file name"), max_length=255)
    file_kind = models.CharField(_("file type"), max_length=4, choices=FileKind.choices)
    file_size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    sha256 = models.CharField(max_length=64, db_index=True)
    # Relative to the import directory; emptied when the file is deleted.
    stored_path = models.CharField(max_length=255, blank=True)
    headers = models.JSONField(_("column headers"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    valid = models.PositiveIntegerField(_("valid rows"), default=0)
    invalid = models.PositiveIntegerField(_("rows with errors"), default=0)
    errors_total = models.PositiveIntegerField(_("problems found"), default=0)
    would_create = models.PositiveIntegerField(_("new people"), default=0)
    would_link = models.PositiveIntegerField(_("people already registered"), default=0)
    created = models.PositiveIntegerField(_("people created"), default=0)
    linked = models.PositiveIntegerField(_("reports linked to people"), default=0)
    skipped_already_imported = models.PositiveIntegerField(_("rows imported before"), default=0)
    skipped_filtered = models.PositiveIntegerField(_("rows left out by the source"), default=0)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    progress_at = models.DateTimeField(null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded"))
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # Why a run failed, in words for the user (never row contents).
    failure = models.CharField(_("why it failed"), max_length=500, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        constraints = [
            # The same file is imported once per organisation (a failed run may be retried).
            models.UniqueConstraint(
                fields=["organisation", "sha256"],
                condition=models.Q(status="done"),
                name="importbatch_file_once",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="importbatch_progress_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.status})"  # never the file name: it may hold a name

    @property
    def is_running(self) -> bool:
        return self.status in {self.Status.CHECKING, self.Status.IMPORTING}

    @property
    def to_write(self) -> int:
        """Rows the check found to import: new people, and reports for people known."""
        return self.would_create + self.would_link


_S = ImportBatch.Status
# The declared life cycle: one service per transition (imports/services).
TRANSITIONS: dict[str, frozenset[str]] = {
    _S.UPLOADED: frozenset({_S.CHECKING, _S.ABANDONED}),
    _S.CHECKING: frozenset({_S.CHECKED, _S.FAILED}),
    _S.CHECKED: frozenset({_S.CHECKING, _S.IMPORTING, _S.ABANDONED}),
    _S.IMPORTING: frozenset({_S.DONE, _S.FAILED}),
    _S.FAILED: frozenset({_S.CHECKING, _S.ABANDONED}),
    _S.DONE: frozenset(),
    _S.ABANDONED: frozenset(),
}


class ImportRowError(models.Model):
    """One problem in one row: the line in the file, the column as headed there, and why."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="row_errors")
    line = models.PositiveIntegerField(_("line"))
    column = models.CharField(_("column"), max_length=200, blank=True)
    reason = models.CharField(_("reason"), max_length=500)

    class Meta:
        ordering = ["batch", "line", "pk"]
        indexes = [models.Index(fields=["batch", "line"], name="importrowerror_batch_line")]

    def __str__(self) -> str:
        return f"Line {self.line} of import {self.batch_id}"
