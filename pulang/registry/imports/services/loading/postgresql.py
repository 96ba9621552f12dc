"""PostgreSQL: ``COPY`` the checked rows into temporary staging tables, decide link or
create for all of them in one statement (person and episode ids from ``nextval``), then
one ``INSERT … SELECT`` per registry table."""

from __future__ import annotations

from typing import Any

from django.db import DatabaseError, connection, models, transaction

from pulang.registry.codes import Channel, IdentifierKind
from pulang.registry.imports.services.loading.base import (
    LoadContext,
    LoadCounts,
    column_defaults,
)
from pulang.registry.imports.services.reach import refuse_out_of_reach
from pulang.registry.imports.services.staging import (
    IDENTIFIER_COLUMNS,
    NAME_COLUMNS,
    ROW_COLUMNS,
    read_stream,
)
from pulang.registry.models import (
    Consent,
    Identifier,
    IntakeRecord,
    MigrationEpisode,
    Person,
    PersonName,
    Return,
)

_STAGING = ("import_rows", "import_names", "import_identifiers", "import_plan")


def _tune(cursor: Any) -> None:
    """Settings for this transaction only. Foreign keys are checked as each statement
    ends, not all at commit: the same work, without queueing millions of checks in the
    server's memory. Sorts and hashes of a whole file stay in memory; so do the staging
    tables, where the session has not used temporary tables yet."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET LOCAL work_mem = '128MB'")
    # Each statement runs once: compiling it (the estimates of a whole file pass JIT's
    # thresholds) costs more than it saves.
    cursor.execute("SET LOCAL jit = off")
    try:
        with transaction.atomic():
            cursor.execute("SET LOCAL temp_buffers = '256MB'")
    except DatabaseError:
        pass  # this connection has used temporary tables before: keep its setting


def _drop_staging(cursor: Any) -> None:
    # Dropped at commit anyway; dropped here too for an import inside an outer transaction.
    cursor.execute(f"DROP TABLE IF EXISTS {', '.join(f'pg_temp.{t}' for t in _STAGING)}")


def _create_staging(cursor: Any, table: str, columns: tuple[tuple[str, str], ...]) -> None:
    body = ", ".join(f"{name} {kind}" for name, kind in columns)
    cursor.execute(f"CREATE TEMP TABLE {table} ({body}) ON COMMIT DROP")


def _copy(
    cursor: Any, context: LoadContext, table: str, stream: str, share: tuple[int, int]
) -> None:
    columns = {"rows": ROW_COLUMNS, "names": NAME_COLUMNS, "identifiers": IDENTIFIER_COLUMNS}
    names = ", ".join(name for name, _kind in columns[stream])
    done = 0
    start, end = share
    with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for chunk in read_stream(context.folder, stream):
            for row in chunk:
                copy.write_row(row)
            if stream == "rows":
                done += len(chunk)
                context.report(start + (end - start) * done // max(context.rows, 1))


def _insert(
    cursor: Any,
    model: type[models.Model],
    select: dict[str, str],
    source: str,
    params: dict[str, Any],
    *,
    with_id: str | None = None,
) -> int:
    """``INSERT INTO model (…) SELECT <select expressions> <source>``; returns the count."""
    given = dict(select)
    if with_id is not None:
        given = {"id": with_id, **given}
    extra_columns, extra_values = column_defaults(model, set(given) | {"id"}, params["now"])
    for i, value in enumerate(extra_values):
        params[f"_d{i}"] = value
    columns = list(given) + extra_columns
    expressions = list(given.values()) + [f"%(_d{i})s" for i in range(len(extra_values))]
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(expressions)} {source}"
    )
    cursor.execute(sql, params)
    return int(cursor.rowcount)


def load_postgresql(context: LoadContext) -> LoadCounts:
    counts = LoadCounts()
    actor = context.actor
    params: dict[str, Any] = {
        "now": context.now,
        "user": actor.user.pk,
        "org": actor.organisation.pk,
        "agency": context.agency_id,
        "channel": Channel.IMPORT.value,
        "national_id": IdentifierKind.NATIONAL_ID.value,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_serial_sequence(%s, 'id'), pg_get_serial_sequence(%s, 'id')",
            [Person._meta.db_table, MigrationEpisode._meta.db_table],
        )
        params["person_seq"], params["episode_seq"] = cursor.fetchone()
        _tune(cursor)
        _drop_staging(cursor)
        _create_staging(cursor, "import_rows", ROW_COLUMNS)
        _create_staging(cursor, "import_names", NAME_COLUMNS)
        _create_staging(cursor, "import_identifiers", IDENTIFIER_COLUMNS)
        _copy(cursor, context, "import_rows", "rows", (0, 25))
        _copy(cursor, context, "import_names", "names", (25, 25))
        _copy(cursor, context, "import_identifiers", "identifiers", (25, 25))
        cursor.execute("CREATE UNIQUE INDEX ON import_rows (line)")
        cursor.execute("ANALYZE import_rows")
        counts.lap("copy")
        context.report(30)

        cursor.execute(
            "DELETE FROM import_rows s USING registry_intakerecord i "
            "WHERE i.organisation_id = %(org)s AND i.channel = %(channel)s "
            "AND i.idempotency_key <> '' AND i.idempotency_key = s.key",
            params,
        )
        counts.skipped_already_imported = int(cursor.rowcount)
        counts.lap("imported_before")
        # Link or create, for every row at once; ids come from the tables' own sequences.
        cursor.execute(
            """
            CREATE TEMP TABLE import_plan ON COMMIT DROP AS
            WITH found AS (
                SELECT s.line, min(i.person_id) AS person_id
                FROM import_rows s
                JOIN registry_identifier i
                  ON i.number = s.nik AND i.kind = %(national_id)s
                 AND i.issuing_country_id = s.nik_country
                JOIN registry_person p ON p.id = i.person_id AND p.erased_at IS NULL
                 AND p.merged_into_id IS NULL
                WHERE s.nik IS NOT NULL
                GROUP BY s.line
            ), grouped AS (
                SELECT s.line, f.person_id AS existing,
                       CASE WHEN s.nik IS NOT NULL THEN s.nik_country || ':' || s.nik
                            ELSE '#' || s.line END AS grp,
                       s.destination_country_id IS NOT NULL AS has_episode
                FROM import_rows s LEFT JOIN found f ON f.line = s.line
            ), leaders AS MATERIALIZED (
                SELECT grp, min(line) AS leader, nextval(%(person_seq)s::regclass) AS new_id
                FROM grouped WHERE existing IS NULL GROUP BY grp
            )
            SELECT g.line, coalesce(g.existing, l.new_id) AS person_id,
                   coalesce(l.leader = g.line, false) AS creates,
                   CASE WHEN g.has_episode THEN nextval(%(episode_seq)s::regclass) END
                     AS episode_id
            FROM grouped g LEFT JOIN leaders l ON l.grp = g.grp
            """,
            params,
        )
        cursor.execute("CREATE UNIQUE INDEX ON import_plan (line)")
        cursor.execute("ANALYZE import_plan")
        # People registered before this file, whom rows would add to (none are inserted yet).
        cursor.execute(
            "SELECT DISTINCT p.person_id FROM import_plan p "
            "JOIN registry_person r ON r.id = p.person_id WHERE NOT p.creates"
        )
        refuse_out_of_reach(actor, {int(person_id) for (person_id,) in cursor.fetchall()})
        cursor.execute("SELECT count(*) FILTER (WHERE creates), count(*) FROM import_plan")
        created, total = cursor.fetchone()
        counts.created, counts.linked = int(created), int(total) - int(created)
        counts.lap("plan")
        context.report(35)

        plan = "FROM import_plan p JOIN import_rows s ON s.line = p.line"
        _insert(
            cursor,
            Person,
            {
                **{
                    c: f"s.{c}"
                    for c in (
                        "full_name",
                        "given_name",
                        "family_name",
                        "sex",
                        "birth_date",
                        "birth_date_precision",
                        "nationality_id",
                        "phone",
                        "email",
                        "home_area_id",
                        "address",
                        "has_disability",
                        "household_size",
                        "dependants",
                        "languages",
                        "education_level",
                        "abroad_in_id",
                        "is_restricted",
                    )
                },
                "created_at": "%(now)s",
                "updated_at": "%(now)s",
                "version": "1",
                "erased_at": "NULL",
            },
            f"{plan} WHERE p.creates",
            params,
            with_id="p.person_id",
        )
        counts.lap("person")
        context.report(50)
        _insert(
            cursor,
            PersonName,
            {
                "person_id": "p.person_id",
                "kind": "CASE WHEN n.kind = 'primary' AND NOT p.creates THEN 'alias' "
                "ELSE n.kind END",
                "written": "n.written",
                "folded": "n.folded",
                "sorted_tokens": "n.sorted_tokens",
                "phonetic": "n.phonetic",
                "script": "n.script",
                "birth_year": "EXTRACT(YEAR FROM s.birth_date)::integer",
            },
            "FROM (SELECT DISTINCT ON (p.person_id, n.written) p.person_id, p.creates, n.* "
            "FROM import_names n JOIN import_plan p ON p.line = n.line "
            "WHERE p.creates OR NOT EXISTS (SELECT 1 FROM registry_personname e "
            "WHERE e.person_id = p.person_id AND e.written = n.written) "
            "ORDER BY p.person_id, n.written, p.creates DESC, n.line) AS n "
            "JOIN import_plan p ON p.line = n.line JOIN import_rows s ON s.line = n.line",
            params,
        )
        counts.lap("personname")
        context.report(65)
        _insert(
            cursor,
            Identifier,
            {
                "person_id": "i.person_id",
                "kind": "i.kind",
                "number": "i.number",
                "issuing_country_id": "i.issuing_country_id",
                "valid_until": "NULL",
                "is_current": "true",
                "verified": "false",
                "created_at": "%(now)s",
            },
            "FROM (SELECT DISTINCT ON (p.person_id, i.kind, i.issuing_country_id, i.number) "
            "p.person_id, i.* FROM import_identifiers i JOIN import_plan p ON p.line = i.line "
            "WHERE p.creates OR NOT EXISTS (SELECT 1 FROM registry_identifier e "
            "WHERE e.person_id = p.person_id AND e.kind = i.kind "
            "AND e.issuing_country_id = i.issuing_country_id AND e.number = i.number) "
            "ORDER BY p.person_id, i.kind, i.issuing_country_id, i.number, i.line) AS i",
            params,
        )
        counts.lap("identifier")
        context.report(72)
        _insert(
            cursor,
            MigrationEpisode,
            {
                "person_id": "p.person_id",
                **{
                    c: f"s.{c}"
                    for c in (
                        "destination_country_id",
                        "destination_city",
                        "employer_name",
                        "sector",
                        "occupation_id",
                        "job_title",
                        "visa_type",
                        "started_on",
                        "ended_on",
                        "agency_name",
                        "legal_status",
                        "migration_cost",
                        "migration_cost_currency_id",
                        "cost_financing",
                        "abuse_indicators",
                    )
                },
                "recruitment_agency_id": "%(agency)s",
                "created_at": "%(now)s",
            },
            f"{plan} WHERE p.episode_id IS NOT NULL",
            params,
            with_id="p.episode_id",
        )
        counts.lap("migrationepisode")
        context.report(80)
        _insert(
            cursor,
            Return,
            {
                "person_id": "p.person_id",
                "episode_id": "p.episode_id",
                "status": "s.return_status",
                "returned_on": "s.returned_on",
                "expected_on": "s.expected_on",
                "port_of_entry": "s.port_of_entry",
                "reason": "s.reason",
                "mode": "s.mode",
                "readiness": "s.readiness",
                "intention": "s.intention",
                "destination_area_id": "s.return_area_id",
                "support_received": "s.support_received",
                "channel": "%(channel)s",
                "reported_by_id": "%(org)s",
                "created_at": "%(now)s",
            },
            plan,
            params,
        )
        counts.lap("return")
        context.report(87)
        _insert(
            cursor,
            IntakeRecord,
            {
                "channel": "%(channel)s",
                "payload": "s.payload",
                "received_at": "%(now)s",
                "received_by_id": "NULL",
                "organisation_id": "%(org)s",
                "idempotency_key": "s.key",
                "reference_code": "''",
                "area_id": "per.home_area_id",
                "person_id": "p.person_id",
                "status": "CASE WHEN p.creates THEN 'created' ELSE 'linked' END",
                "decided_at": "%(now)s",
                "decided_by_id": "NULL",
            },
            f"{plan} JOIN registry_person per ON per.id = p.person_id",
            params,
        )
        counts.lap("intakerecord")
        context.report(95)
        _insert(
            cursor,
            Consent,
            {
                "person_id": "c.person_id",
                "purpose": "c.purpose",
                "method": "c.consent_method",
                "given_at": "%(now)s",
                "recorded_by_id": "%(user)s",
                "recorded_by_organisation_id": "%(org)s",
                "withdrawn_at": "NULL",
                "withdrawn_by_id": "NULL",
                "note": "''",
            },
            "FROM (SELECT DISTINCT ON (p.person_id, c.purpose) p.person_id, c.purpose, "
            "s.consent_method FROM import_plan p JOIN import_rows s ON s.line = p.line "
            "CROSS JOIN LATERAL jsonb_array_elements_text(s.consents) AS c(purpose) "
            "WHERE p.creates OR NOT EXISTS (SELECT 1 FROM registry_consent e "
            "WHERE e.person_id = p.person_id AND e.purpose = c.purpose "
            "AND e.withdrawn_at IS NULL) ORDER BY p.person_id, c.purpose, p.line) AS c",
            params,
        )
        if context.agency_id is not None:
            cursor.execute(
                "INSERT INTO registry_personorganisationlink (person_id, organisation_id, "
                "created_at) SELECT DISTINCT p.person_id, %(org)s, %(now)s FROM import_plan p "
                "ON CONFLICT (person_id, organisation_id) DO NOTHING",
                params,
            )
        counts.lap("consent_and_links")
        _drop_staging(cursor)
        context.report(99)
    return counts
