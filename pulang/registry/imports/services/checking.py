"""The check (dry run): read the file, validate every row as a registration, find what
the import would do, and write the checked rows beside the upload. Nothing is written to
the registry; the problems go to ``ImportRowError`` (line, column, reason)."""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.pool import AsyncResult
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pulang.errors import InvalidInput
from pulang.registry.codes import Channel, IdentifierKind, ReturnStatus
from pulang.registry.imports.inputs.files import TableReader
from pulang.registry.imports.inputs.rows import (
    RowConverter,
    SourceConfig,
    occurrence_key,
    row_key,
)
from pulang.registry.imports.inputs.targets import path_target
from pulang.registry.imports.models import ImportRowError
from pulang.registry.imports.policies import may_import_row
from pulang.registry.imports.services.reach import out_of_reach
from pulang.registry.imports.services.staging import (
    ROW_INDEX,
    PreparedWriter,
    Row,
    StagedChunk,
    dump_chunk,
    read_stream,
    with_keys,
    without_lines,
)
from pulang.registry.inputs import Lookups, Resolved, validate_registration
from pulang.registry.models import Identifier, IntakeRecord, PersonName
from pulang.registry.names import NameKeys, name_keys
from pulang.registry.policies import links_own_records
from pulang.registry.services.registration import is_restricted_registration

if TYPE_CHECKING:
    from pathlib import Path

    from pulang.orgs.actor import Actor

# Problems kept per batch (all are counted); beyond this the file is wrong throughout.
MAX_STORED_ERRORS = 20_000
# Rows looked up together (keys imported before, ID numbers already registered).
LOOKUP_CHUNK = 2000
# Name keys cached per file: arrival lists repeat names; the cap bounds the memory.
NAME_CACHE_LIMIT = 200_000
# Rows sent to a worker at a time; files from this size are checked by several workers.
CHECK_CHUNK = 2000
PARALLEL_FROM_BYTES = 4 * 1024 * 1024


@dataclass
class CheckCounts:
    rows: int = 0
    valid: int = 0
    invalid: int = 0
    errors_total: int = 0
    would_create: int = 0
    would_link: int = 0
    skipped_already_imported: int = 0
    skipped_filtered: int = 0
    name_seconds: float = 0.0
    names_computed: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def imported_keys(organisation_id: int, keys: list[str]) -> set[str]:
    """Which of these row keys the organisation imported before."""
    return set(
        IntakeRecord.objects.filter(
            organisation_id=organisation_id, channel="import", idempotency_key__in=keys
        )
        # Says what the unique index's condition says, so the index answers (a long IN
        # list alone does not let PostgreSQL prove it).
        .exclude(idempotency_key="")
        .values_list("idempotency_key", flat=True)
    )


class _Lookahead:
    """Rows waiting to learn whether their key was imported before and whether their
    national ID number is already registered: asked in chunks, in file order (databases
    other than PostgreSQL; see :func:`count_outcomes`)."""

    def __init__(self, organisation_id: int, counts: CheckCounts) -> None:
        self.organisation_id = organisation_id
        self.counts = counts
        self.pending: list[tuple[int, str, tuple[str, str] | None]] = []
        self.seen_ids: set[tuple[str, str]] = set()
        self.links: dict[int, int] = {}

    def add(self, line: int, key: str, national_id: tuple[str, str] | None) -> None:
        self.pending.append((line, key, national_id))
        if len(self.pending) >= LOOKUP_CHUNK:
            self.resolve()

    def resolve(self) -> None:
        if not self.pending:
            return
        keys = [key for _line, key, _id in self.pending]
        imported = imported_keys(self.organisation_id, keys)
        numbers = {n for _line, _key, n in self.pending if n is not None}
        registered: dict[tuple[str, str], int] = {}
        for country, number, person_id in sorted(
            Identifier.objects.filter(
                kind=IdentifierKind.NATIONAL_ID,
                number__in=[number for _country, number in numbers],
                person__erased_at__isnull=True,
                person__merged_into__isnull=True,
            ).values_list("issuing_country_id", "number", "person_id"),
            key=lambda found: found[2],
        ):
            registered.setdefault((country, number), person_id)
        for line, key, national_id in self.pending:
            if key in imported:
                self.counts.skipped_already_imported += 1
            elif national_id is not None and (
                national_id in registered or national_id in self.seen_ids
            ):
                self.counts.would_link += 1
                if national_id in registered:
                    self.links[line] = registered[national_id]
            else:
                self.counts.would_create += 1
            if national_id is not None:
                self.seen_ids.add(national_id)
        self.pending = []


# What the import would do with each checked row, for the whole file at once: skipped when
# the organisation imported its key before; linked when its national ID number is
# registered or came on an earlier row of the file; else created. Joins, not a probe per
# row, so that the plan does not depend on how fresh the tables' statistics are.
_OUTCOMES_SQL = """
    WITH imported AS (
        SELECT DISTINCT s.line FROM import_check s
        JOIN registry_intakerecord i
          ON i.organisation_id = %(org)s AND i.channel = %(channel)s
         AND i.idempotency_key <> '' AND i.idempotency_key = s.key
    ), registered AS (
        SELECT DISTINCT s.line FROM import_check s
        JOIN registry_identifier d
          ON d.number = s.nik AND d.issuing_country_id = s.nik_country AND d.kind = %(kind)s
        JOIN registry_person p
          ON p.id = d.person_id AND p.erased_at IS NULL AND p.merged_into_id IS NULL
    ), outcomes AS (
        SELECT im.line IS NOT NULL AS imported,
               s.nik IS NOT NULL AND (
                   rg.line IS NOT NULL
                   OR row_number() OVER (PARTITION BY s.nik_country, s.nik ORDER BY s.line) > 1
               ) AS links
        FROM import_check s
        LEFT JOIN imported im ON im.line = s.line
        LEFT JOIN registered rg ON rg.line = s.line
    )
    SELECT count(*) FILTER (WHERE imported),
           count(*) FILTER (WHERE NOT imported AND links),
           count(*) FILTER (WHERE NOT imported AND NOT links)
    FROM outcomes
"""


# The rows (not imported before) whose national ID number is registered, with the person
# they would add to (the lowest id when several records carry it, as the import links).
_LINKS_SQL = """
    SELECT s.line, min(d.person_id) FROM import_check s
    JOIN registry_identifier d
      ON d.number = s.nik AND d.issuing_country_id = s.nik_country AND d.kind = %(kind)s
    JOIN registry_person p
      ON p.id = d.person_id AND p.erased_at IS NULL AND p.merged_into_id IS NULL
    WHERE NOT EXISTS (
        SELECT 1 FROM registry_intakerecord i
        WHERE i.organisation_id = %(org)s AND i.channel = %(channel)s
          AND i.idempotency_key <> '' AND i.idempotency_key = s.key)
    GROUP BY s.line
"""


def count_outcomes(organisation_id: int, folder: Path, counts: CheckCounts) -> dict[int, int]:
    """Count what the import would do with the rows written to ``folder``, once they are
    all checked: the database is asked once (PostgreSQL) or in chunks (others), never
    while rows are being checked. Returns the rows that would add to a person registered
    before (line → person)."""
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            # One sort of the whole file, in memory; one statement, not worth compiling.
            cursor.execute("SET LOCAL work_mem = '128MB'")
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("DROP TABLE IF EXISTS pg_temp.import_check")
            cursor.execute(
                "CREATE TEMP TABLE import_check (line integer, key text, nik_country text, "
                "nik text) ON COMMIT DROP"
            )
            with cursor.copy("COPY import_check FROM STDIN") as copy:
                for chunk in read_stream(folder, "rows"):
                    for row in chunk:
                        copy.write_row(row[:4])
            cursor.execute("ANALYZE import_check")
            params: dict[str, str | int] = {
                "org": organisation_id,
                "channel": Channel.IMPORT.value,
                "kind": IdentifierKind.NATIONAL_ID.value,
            }
            cursor.execute(_OUTCOMES_SQL, params)
            skipped, linked, created = cursor.fetchone()
            cursor.execute(_LINKS_SQL, params)
            links = {int(line): int(person_id) for line, person_id in cursor.fetchall()}
            cursor.execute("DROP TABLE pg_temp.import_check")
        counts.skipped_already_imported += int(skipped)
        counts.would_link += int(linked)
        counts.would_create += int(created)
        return links
    lookahead = _Lookahead(organisation_id, counts)
    key, country, number = ROW_INDEX["key"], ROW_INDEX["nik_country"], ROW_INDEX["nik"]
    line = ROW_INDEX["line"]
    for chunk in read_stream(folder, "rows"):
        for row in chunk:
            national_id = (row[country], row[number]) if row[number] else None
            lookahead.add(row[line], row[key], national_id)
    lookahead.resolve()
    return lookahead.links


class RowPreparer:
    """Validates converted rows and turns them into staged tuples (see ``staging``)."""

    def __init__(self, actor: Actor, lookups: Lookups, *, batch_id: int) -> None:
        self.actor = actor
        self.lookups = lookups
        self.batch_id = batch_id
        self.today = timezone.localdate()
        self.own_records = links_own_records(actor)
        self.agency_id = actor.organisation.pk if self.own_records else None
        self._keys: dict[str, NameKeys] = {}
        self.name_seconds = 0.0
        self.names_computed = 0

    def keys(self, written: str) -> NameKeys:
        keys = self._keys.get(written)
        if keys is None:
            if len(self._keys) >= NAME_CACHE_LIMIT:
                self._keys.clear()
            started = time.perf_counter()
            keys = self._keys[written] = name_keys(written)
            self.name_seconds += time.perf_counter() - started
            self.names_computed += 1
        return keys

    def warm(self, country: str) -> None:
        """Load what checking rows would load lazily: the country's areas, the NIK place
        codes, the actor's scope."""
        self.lookups.preload(country)
        if self.actor.scope_area is not None:  # fetched here, not in every worker
            self.actor.scope_area.path  # noqa: B018

    def validate(self, data: Any) -> Resolved:
        return validate_registration(data, today=self.today, lookups=self.lookups)

    def in_scope(self, resolved: Resolved) -> bool:
        data = resolved.data
        still_abroad = data.return_ is not None and data.return_.status == ReturnStatus.EXPECTED
        return may_import_row(
            self.actor,
            home_area=resolved.home_area or resolved.return_area,
            abroad_in=resolved.destination_country.pk
            if still_abroad and resolved.destination_country
            else None,
            nationality=resolved.nationality.pk,
            own_records=self.own_records,
        )

    def stage(
        self,
        line: int,
        key: str,
        resolved: Resolved,
        payload: dict[str, Any],
        *,
        name_given: bool,
    ) -> tuple[Row, list[Row], list[Row]]:
        data = resolved.data
        episode = data.episode
        ret = data.return_
        if ret is None:  # every import row reports a return (rows.RowConverter)
            raise ValueError("an import row without a return")
        still_abroad = ret.status == ReturnStatus.EXPECTED
        home_area = resolved.home_area or resolved.return_area
        destination = resolved.destination_country
        national_id = next(
            (
                (country.pk, number)
                for item, country, number in resolved.identifiers
                if item.kind == IdentifierKind.NATIONAL_ID
            ),
            None,
        )
        row: Row = (
            line,
            key,
            national_id[0] if national_id else None,
            national_id[1] if national_id else None,
            data.full_name,
            data.given_name.strip(),
            data.family_name.strip(),
            data.sex,
            _iso(data.birth_date),
            data.birth_date_precision,
            resolved.nationality.pk,
            resolved.phone,
            data.email.strip(),
            home_area.pk if home_area else None,
            data.address.strip(),
            data.has_disability,
            data.household_size,
            data.dependants,
            _json_list(data.languages),
            data.education_level,
            destination.pk if still_abroad and destination else None,
            is_restricted_registration(resolved),
            destination.pk if episode and destination else None,
            episode.destination_city.strip() if episode else "",
            episode.employer_name.strip() if episode else "",
            episode.sector if episode else "",
            resolved.occupation.pk if resolved.occupation else None,
            episode.job_title.strip() if episode else "",
            episode.visa_type.strip() if episode else "",
            _iso(episode.started_on) if episode else None,
            _iso(episode.ended_on) if episode else None,
            episode.agency_name.strip() if episode else "",
            episode.legal_status if episode else "",
            str(episode.migration_cost) if episode and episode.migration_cost is not None else None,
            resolved.currency.pk if resolved.currency else None,
            _json_list(episode.cost_financing) if episode else "[]",
            _json_list(episode.abuse_indicators) if episode else "[]",
            ret.status,
            _iso(ret.returned_on),
            _iso(ret.expected_on),
            ret.port_of_entry.strip(),
            ret.reason,
            ret.mode,
            ret.readiness,
            ret.intention,
            resolved.return_area.pk if resolved.return_area else None,
            ret.support_received.strip(),
            _json_list(list(dict.fromkeys(data.consents))),
            data.consent_method,
            json.dumps(
                {"import_batch": self.batch_id, "line": line, "row": payload},
                ensure_ascii=False,
            ),
        )
        names: list[Row] = []
        written = []
        if name_given:
            written.append((PersonName.Kind.PRIMARY.value, data.full_name))
        if data.native_name.strip():
            written.append(
                (PersonName.Kind.NATIVE_SCRIPT.value, " ".join(data.native_name.split()))
            )
        written += [(PersonName.Kind.ALIAS.value, " ".join(a.split())) for a in data.aliases]
        seen: set[str] = set()
        for kind, text in written:
            if not text or text in seen:
                continue
            seen.add(text)
            k = self.keys(text)
            names.append(
                (
                    line,
                    kind,
                    text,
                    k.folded[:200],
                    k.sorted_tokens[:200],
                    k.phonetic[:200],
                    k.script,
                )
            )
        identifiers: list[Row] = [
            (line, item.kind, number, country.pk) for item, country, number in resolved.identifiers
        ]
        return row, names, identifiers


# Outcomes of one row, as the workers send them back (tuples: cheap to pickle).
Outcome = tuple[Any, ...]
# A chunk's outcomes (an accepted row: its line and key), its staged rows, and the seconds
# spent on and the count of name keys computed.
Checked = tuple[list[Outcome], StagedChunk | None, float, int]
_INVALID, _FILTERED, _OK = "e", "f", "o"


class RowChecker:
    """Everything one row needs, without the database: built once per file in the parent,
    copied into the worker processes when there are several."""

    def __init__(
        self,
        converter: RowConverter,
        preparer: RowPreparer,
        *,
        source_id: int,
        only_own: bool,
        own_country: str,
    ) -> None:
        self.converter = converter
        self.preparer = preparer
        self.source_id = source_id
        self.only_own = only_own
        self.own_country = own_country

    def check(self, line: int, cells: list[Any], too_long: bool) -> Outcome:
        converter, preparer = self.converter, self.preparer
        if too_long:
            return (
                _INVALID,
                line,
                [("", _("this row has more cells than the file has column headers"))],
            )
        converted = converter.convert(cells)
        if converted.errors or converted.data is None:
            return (
                _INVALID,
                line,
                [(converter.column_of(t), reason) for t, reason in converted.errors],
            )
        data = converted.data
        if self.only_own and data.nationality.upper() != self.own_country:
            return (_FILTERED, line)
        try:
            resolved = preparer.validate(data)
        except InvalidInput as error:
            # A document's issuing country is the nationality: say it once, there.
            fields = {str(item["field"]) for item in error.errors}
            problems = []
            for item in error.errors:
                path = str(item["field"])
                if "nationality" in fields and path.endswith(".issuing_country"):
                    continue
                target = path_target(path, converted.documents)
                problems.append(
                    (converter.column_of(target) if target else "", str(item["reason"]))
                )
            return (_INVALID, line, problems)
        if not preparer.in_scope(resolved):
            target = "home_area" if "home_area" in converter.columns else "return_area"
            reason = (
                _("this person's home area is outside your area of work")
                if resolved.home_area or resolved.return_area
                else _("give the person's home area")
            )
            return (_INVALID, line, [(converter.column_of(target), reason)])
        key = row_key(converted, self.source_id)
        row, names, identifiers = preparer.stage(
            line, key, resolved, converted.payload, name_given=converted.name_given
        )
        # Nothing tells two such rows apart (no name, no document, no record number:
        # an EPS return file): identical ones are different workers, not a repeat.
        anonymous = not (converted.name_given or converted.record_id or converted.documents)
        return (_OK, line, key, row, names, identifiers, anonymous)

    def check_chunk(self, chunk: list[tuple[int, list[Any], bool]]) -> Checked:
        """Check the rows of a chunk; the staged rows come back as marshal bytes, ready
        to be written (cheaper to send between processes than the tuples)."""
        seconds, computed = self.preparer.name_seconds, self.preparer.names_computed
        outcomes: list[Outcome] = []
        rows: list[Row] = []
        names: list[Row] = []
        identifiers: list[Row] = []
        for line, cells, too_long in chunk:
            outcome = self.check(line, cells, too_long)
            if outcome[0] == _OK:
                _kind, _line, key, row, row_names, row_identifiers, anonymous = outcome
                rows.append(row)
                names += row_names
                identifiers += row_identifiers
                outcome = (_OK, line, key, anonymous)
            outcomes.append(outcome)
        return (
            outcomes,
            dump_chunk(rows, names, identifiers) if rows else None,
            self.preparer.name_seconds - seconds,
            self.preparer.names_computed - computed,
        )


# The checker of the file being checked, for the forked workers (set before forking).
_CHECKER: RowChecker | None = None
# Connections inherited from the parent: kept referenced and never used or closed here,
# since closing them would end the parent's sessions.
_INHERITED: list[object] = []


def _worker_start() -> None:
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None:
            _INHERITED.append(conn.connection)
            conn.connection = None


def _worker_chunk(chunk: list[tuple[int, list[Any], bool]]) -> Checked:
    if _CHECKER is None:
        raise RuntimeError("no file is being checked")
    # A worker's language is the parent's (the uploader's): messages are made here.
    return _CHECKER.check_chunk(chunk)


def worker_count(path: Path) -> int:
    """Processes that check rows: one for small files (and inside a transaction, as in
    tests), else one per CPU up to four (``PULANG_IMPORT_WORKERS`` overrides)."""
    configured = int(getattr(settings, "PULANG_IMPORT_WORKERS", 0) or 0)
    if configured:
        return configured
    if connection.in_atomic_block or path.stat().st_size < PARALLEL_FROM_BYTES:
        return 1
    return max(1, min(os.cpu_count() or 1, 4))


def check_rows(
    *,
    actor: Actor,
    source_id: int,
    batch_id: int,
    path: Path,
    file_kind: str,
    config: SourceConfig,
    folder: Path,
    report: Callable[[int], None],
    workers: int | None = None,
) -> CheckCounts:
    """Read and check every row; write the rows to import into ``folder`` (``prepared.*``).
    Rows are checked in ``workers`` processes (forked, so they share the reference data
    loaded here); this process reads the file, keeps the order, asks the database which
    rows were imported before and writes the results."""
    global _CHECKER
    started = time.perf_counter()
    counts = CheckCounts()
    lookups = Lookups()
    reader = TableReader(path, file_kind, encoding=config.encoding)
    headers = reader.read_headers()
    converter = RowConverter(headers, config, lookups)
    preparer = RowPreparer(actor, lookups, batch_id=batch_id)
    checker = RowChecker(
        converter,
        preparer,
        source_id=source_id,
        only_own=config.nationality_filter == "own",
        own_country=actor.organisation.country_id,
    )
    keys_seen: set[str] = set()
    occurrences: dict[str, int] = {}
    rekeyed: dict[int, str] = {}
    writer = PreparedWriter(folder)
    workers = workers or worker_count(path)
    if workers > 1:
        # Load here, once, what the workers would otherwise each load or query.
        preparer.warm(actor.organisation.country_id)
    setup = time.perf_counter() - started

    def problem(line: int, column: str, reason: str) -> None:
        counts.errors_total += 1
        if len(counts.errors) < MAX_STORED_ERRORS:
            counts.errors.append((line, column, reason))

    def merge(result: Checked) -> None:
        outcomes, staged, name_seconds, names_computed = result
        counts.name_seconds += name_seconds
        counts.names_computed += names_computed
        repeated: set[int] = set()
        for outcome in outcomes:
            counts.rows += 1
            kind = outcome[0]
            if kind == _INVALID:
                counts.invalid += 1
                for column, reason in outcome[2]:
                    problem(outcome[1], column, reason)
                continue
            if kind == _FILTERED:
                counts.skipped_filtered += 1
                continue
            counts.valid += 1
            _kind, line, key, anonymous = outcome
            if key in keys_seen and anonymous:
                # The n-th identical row gets the n-th key of that content: the same file
                # (or the same rows) uploaded again still creates nothing new.
                occurrences[key] = occurrences.get(key, 1) + 1
                rekeyed[line] = occurrence_key(key, occurrences[key])
                continue
            if key in keys_seen:
                counts.skipped_already_imported += 1  # the same row twice in one file
                repeated.add(line)
                continue
            keys_seen.add(key)
        if staged is not None:
            if rekeyed:
                staged = with_keys(staged, rekeyed)
                rekeyed.clear()
            writer.write(without_lines(staged, repeated) if repeated else staged)
        # The last percent is the look-up of what the rows would do (count_outcomes).
        report(min(reader.progress.percent, 99))

    def chunks() -> Iterator[list[tuple[int, list[Any], bool]]]:
        chunk: list[tuple[int, list[Any], bool]] = []
        for line, cells in reader.rows():
            too_long = bool(reader.too_long)
            reader.too_long.clear()
            chunk.append((line, cells, too_long))
            if len(chunk) >= CHECK_CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    try:
        if workers == 1:
            for chunk in chunks():
                merge(checker.check_chunk(chunk))
        else:
            _CHECKER = checker
            context = multiprocessing.get_context("fork")
            # Objects made so far stay out of the collector's way: shared with the
            # workers, they are not copied into them when it runs (CPython's advice).
            gc.freeze()
            with context.Pool(workers, initializer=_worker_start) as pool:
                pending: deque[AsyncResult[Checked]] = deque()
                for chunk in chunks():
                    pending.append(pool.apply_async(_worker_chunk, (chunk,)))
                    # A bounded window: the file is never read far ahead of the checks.
                    while len(pending) > workers * 2:
                        merge(pending.popleft().get())
                while pending:
                    merge(pending.popleft().get())
    finally:
        _CHECKER = None
        gc.unfreeze()
        writer.close()
    links = count_outcomes(actor.organisation.pk, folder, counts)
    unreachable = out_of_reach(actor, set(links.values()))
    if unreachable:
        column = converter.column_of("national_id_number")
        reason = _(
            "a person with this ID number is registered outside your area of work: the "
            "office of their area can add this report"
        )
        for line, person_id in sorted(links.items()):
            if person_id in unreachable:
                problem(line, column, reason)
                counts.invalid += 1
                counts.valid -= 1
                counts.would_link -= 1
    counts.timings = {
        "setup": setup,
        "total": time.perf_counter() - started,
        "name_keys": counts.name_seconds,
        "workers": float(workers),
    }
    report(100)
    return counts


def store_errors(batch_id: int, errors: list[tuple[int, str, str]]) -> None:
    ImportRowError.objects.filter(batch_id=batch_id).delete()
    ImportRowError.objects.bulk_create(
        [
            ImportRowError(batch_id=batch_id, line=line, column=column[:200], reason=reason[:500])
            for line, column, reason in errors
        ],
        batch_size=2000,
    )


def _json_list(values: list[str]) -> str:
    return json.dumps(values) if values else "[]"


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
