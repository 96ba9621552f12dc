"""API shapes of bulk imports (ninja schemas)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema


class TemplateOut(Schema):
    name: str = Field(description="what to send as `template` when uploading")
    label: str


class SourceDefaultsIn(Schema):
    values: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "defaults for fields the file lacks or leaves empty: full_name, sex, nationality, "
            "destination_country, return_status, reason, mode, legal_status, visa_type, "
            "port_of_entry"
        ),
    )
    date_format: str = Field(default="YYYY-MM-DD", description="how the file writes dates")
    encoding: str = Field(default="utf-8", description="utf-8, cp1252 or latin-1 (CSV)")
    translations: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="per field, the sender's words → Pulang's codes"
    )
    nationality_filter: str = Field(
        default="", description="`own`: leave out rows of other nationalities (counted, not errors)"
    )


class SourceIn(Schema):
    name: str
    file_kind: str = Field(default="csv", description="csv or xlsx")
    mapping: dict[str, str | list[str]] = Field(
        description="field → the header of its column, or a list of accepted headers"
    )
    defaults: SourceDefaultsIn = Field(default_factory=SourceDefaultsIn)


class SourceOut(Schema):
    id: int
    name: str
    file_kind: str
    template: str = Field(description="the shipped template it was copied from, if any")
    mapping: dict[str, Any]
    defaults: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime


class RowErrorOut(Schema):
    line: int = Field(description="as a spreadsheet shows it (the header is line 1)")
    column: str = Field(description="the column's header in the file")
    reason: str


class BatchCountsOut(Schema):
    rows: int
    valid: int
    invalid: int
    would_create: int = Field(description="new people, as checked")
    would_link: int = Field(description="reports for people already registered, as checked")
    created: int = Field(description="people created by the import")
    linked: int = Field(description="reports linked to people already registered")
    skipped_already_imported: int = Field(description="rows imported before (left out)")
    skipped_filtered: int = Field(description="rows the source leaves out (nationality)")


class BatchOut(Schema):
    id: int
    status: str = Field(
        description="uploaded, checking, checked, importing, done, failed or abandoned"
    )
    status_label: str
    message: str = Field(description="where the batch stands and what happens next")
    stalled: bool = Field(description="a check or import that stopped without finishing")
    source_id: int | None
    file_name: str
    file_kind: str
    file_size: int
    progress: int = Field(description="percent of the running step")
    rows_total: int | None = Field(
        description="rows the running step works through; null while the check reads the file"
    )
    rows_done: int | None = Field(description="estimated from `progress`")
    counts: BatchCountsOut
    errors_total: int = Field(description="problems found by the check")
    failure: str
    uploaded_at: dt.datetime
    checked_at: dt.datetime | None
    finished_at: dt.datetime | None
    status_url: str
    errors_url: str | None = Field(description="every problem as CSV (line, column, reason)")


class BatchStatusOut(BatchOut):
    errors: list[RowErrorOut] = Field(description="the first 50 problems, once checked")


class UploadIn(Schema):
    source: int | None = Field(default=None, description="the id of one of your sources")
    template: str = Field(default="", description="or a shipped template: standard or eps")
