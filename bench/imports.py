"""Import of an arrival list, end to end, beside the raw COPY of the same file.

    python -m bench.imports [--rows 500000] [--seed 7] [--keep]

Builds a CSV arrival list in the standard layout from a fixed seed (names drawn with a
skew, as real lists repeat them; valid NIKs, phones and dates; 5 % of the rows are
people an earlier list registered, so they link), then runs what the pages run: upload,
check (dry run), import. It works in a scratch database beside the one DATABASE_URL
names (``bench_imports_<name>``, or a temporary SQLite file), dropped at the end.

Prints one JSON object per figure:
  import_<n>_seconds          upload + check + import, the user's wait
  import_<n>_check_seconds    parse, validate, name keys, duplicate look-ups
  import_<n>_commit_seconds   the import itself (one transaction)
  import_<n>_python_cpu_seconds    CPU of this process and the check's workers, upload to
                              import (the machine may be shared: wall times vary, this less)
  import_<n>_commit_db_cpu_seconds PostgreSQL on this host: CPU of the import's session
  copy_raw_<n>_seconds        PostgreSQL only: COPY of the same CSV into a text table
  import_to_copy_ratio        PostgreSQL only
  name_keys_per_second        names whose matching keys were computed, per second
  peak_rss_mib                peak resident memory of this process (the database server's
                              is not included); peak_rss_worker_mib: the largest check worker
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import django

EPOCH = dt.date(2025, 6, 30)


def _pool(words: str) -> tuple[str, ...]:
    return tuple(words.split())


GIVEN = _pool(
    """Siti Sri Nur Dewi Agus Budi Eko Ahmad Muhammad Slamet Rina Yuliana Putri Wahyuni Ratna
    Fitri Joko Hadi Bambang Endang Tri Dwi Rizki Dian Indah Ayu Lestari Suryani Kartini Sumarni
    Suparmi Yati Tuti Wati Lina Rini Nurul Aminah Fatimah Khadijah Aisyah Umi Sulastri Sugeng
    Supriyadi Sutrisno Haryanto Wahyudi Rudi Andi Hendra Irwan Yusuf Ismail Abdul Rahmat Hasan
    Iwan Dedi Asep Ujang Cecep Neneng Euis Imas Iis Ani Yanti Ida Nining Titin Ketut Wayan Made
    Nyoman Komang Putu Gede Ni Luh Kadek Baiq Lalu Zainal Mahmud Saiful Mariam Halimah Rohani
    Sarinah Juariah Maesaroh Kokom Enah Entin Yayah Atikah Munawaroh Solehah Mukaromah Barokah
    Sholihin Fauzi Anwar Hamdan Jumadi Kasman Legiman Mujiono Paijo Ponirah Sainem Tukinah
    Wagiyem Yatmi Zubaedah Evi Novi Desi Yeni Leni Reni Heni Eni Erna Erni Susi Tati Wiwik"""
)
FAMILY = _pool(
    """Santoso Wijaya Hidayat Lestari Rahmawati Saputra Kusuma Setiawan Purnomo Susanto Pratama
    Nugroho Suharto Kurniawan Gunawan Hakim Rahman Siregar Nasution Harahap Lubis Simanjuntak
    Sembiring Ginting Tarigan Manurung Sitompul Hutapea Pardede Sinaga Wulandari Handayani
    Maharani Anggraini Permata Utami Susilo Mulyadi Sudirman Hartono Wibowo Prasetyo"""
)
REGIONS = ("3507", "3525", "3302", "3201", "3273", "5203", "3578", "3374", "1271", "7371")
DESTINATIONS = ("MY", "SA", "TW", "HK", "SG", "KR", "JP", "AE")
OCCUPATIONS = ("9111", "6121", "8160", "9312", "7115", "5322", "9211", "8322")
REASONS = ("end_of_contract",) * 7 + ("early_termination", "accident_or_illness", "deportation")
MODES = ("voluntary",) * 6 + ("assisted", "forced", "spontaneous")
PORTS = ("Juanda", "Soekarno-Hatta", "Kualanamu", "Zainuddin Abdul Madjid", "Tanjung Perak")
HEADERS = (
    "full_name",
    "sex",
    "birth_date",
    "nationality",
    "national_id_number",
    "passport_number",
    "phone",
    "home_area",
    "destination_country",
    "occupation",
    "started_on",
    "returned_on",
    "port_of_entry",
    "reason",
    "mode",
)


def emit(**fields: object) -> None:
    print(json.dumps(fields, ensure_ascii=False), flush=True)


def note(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def label(rows: int) -> str:
    return f"{rows // 1000}k" if rows % 1000 == 0 else str(rows)


class People:
    """Returnees drawn from a fixed seed. Names follow a skewed (Zipf-like) distribution,
    as arrival lists repeat common names; the n-th person's NIK is unique by construction
    (valid place, birth date with day + 40 for women, a serial)."""

    def __init__(self, seed: int, villages: list[str]) -> None:
        self.rng = random.Random(seed)
        self.villages = villages
        self.count = 0
        self.given = self._weights(GIVEN)
        self.family = self._weights(FAMILY)

    def _weights(self, pool: tuple[str, ...]) -> tuple[list[str], list[float]]:
        names = list(pool)
        self.rng.shuffle(names)
        total, cumulative = 0.0, []
        for rank in range(1, len(names) + 1):
            total += 1 / rank**0.9
            cumulative.append(total)
        return names, cumulative

    def _name(self, pool: tuple[list[str], list[float]]) -> str:
        return self.rng.choices(pool[0], cum_weights=pool[1])[0]

    def row(self) -> list[str]:
        rng, n = self.rng, self.count
        self.count += 1
        female = rng.random() < 0.68
        birth = dt.date(1965, 1, 1) + dt.timedelta(days=rng.randrange(365 * 39))
        day = birth.day + (40 if female else 0)
        region = REGIONS[(n // (9999 * 29)) % len(REGIONS)]
        nik = (
            f"{region}{(n // 9999) % 29 + 1:02d}{day:02d}{birth.month:02d}"
            f"{birth.year % 100:02d}{n % 9999 + 1:04d}"
        )
        parts = [self._name(self.given)]
        if rng.random() < 0.75:
            parts.append(self._name(self.given))
        if rng.random() < 0.55:
            parts.append(self._name(self.family))
        started = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(365 * 8))
        returned = min(started + dt.timedelta(days=rng.randrange(180, 1800)), EPOCH)
        return [
            " ".join(parts),
            "F" if female else "M",
            birth.isoformat(),
            "ID",
            nik,
            f"{rng.choice('ABCEX')}{rng.randrange(10**6, 10**7)}",
            f"08{rng.choice(('12', '13', '21', '52', '57'))}{rng.randrange(10**7, 10**8)}",
            rng.choice(self.villages),
            rng.choice(DESTINATIONS),
            rng.choice(OCCUPATIONS),
            started.isoformat(),
            returned.isoformat(),
            rng.choice(PORTS),
            rng.choice(REASONS),
            rng.choice(MODES),
        ]


def write_files(
    earlier_path: Path, list_path: Path, rows: int, seed: int, villages: list[str]
) -> int:
    """An earlier list (5 % of the size) and the arrival list, written as generated: the
    list holds ``rows`` rows, of which the earlier list's people, back again, at random
    places. Returns the number of distinct names in the list."""
    people = People(seed, villages)
    earlier = [people.row() for _ in range(max(1, rows // 20))]
    with earlier_path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(HEADERS)
        writer.writerows(earlier)
    again = iter(earlier)
    places = set(people.rng.sample(range(rows), len(earlier)))
    names: set[str] = set()
    with list_path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(HEADERS)
        for i in range(rows):
            if i in places:
                row = next(again)
                back = dt.date.fromisoformat(row[11])
                later = min(EPOCH, back + dt.timedelta(days=400))
                row = [*row[:10], back.isoformat(), later.isoformat(), *row[12:]]
            else:
                row = people.row()
            names.add(row[0])
            writer.writerow(row)
    return len(names)


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("PULANG_DEBUG", "true")
    django.setup()


def scratch_database() -> tuple[Any, str]:
    """A fresh, migrated database beside the configured one."""
    from django.conf import settings
    from django.db import connection

    name = str(settings.DATABASES["default"]["NAME"])
    if connection.vendor == "sqlite":
        test_name = str(Path(tempfile.mkdtemp(prefix="bench-imports-db-")) / "bench.sqlite3")
    else:
        test_name = f"bench_imports_{Path(name).name}"[:63]
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = test_name
    old = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    return old, connection.vendor


def world(villages_per_district: int = 40) -> tuple[Any, list[str]]:
    """Reference data, an area tree (villages under ten districts), a national agency and
    its supervisor, who may import anywhere in the country."""
    from pulang.accounts.services import user_create
    from pulang.geo.models import AdminArea
    from pulang.orgs.actor import Actor
    from pulang.orgs.models import OrganisationKind, Role
    from pulang.orgs.services import membership_create, organisation_create
    from pulang.reference.models import Country
    from pulang.reference.services import reference_load

    reference_load()
    indonesia = Country.objects.get(pk="ID")
    root = AdminArea.objects.filter(country=indonesia, level=0).first() or (
        AdminArea.objects.create(
            country=indonesia, code="ID", level=0, name="Indonesia", path="ID/"
        )
    )
    province = AdminArea.objects.create(
        country=indonesia, code="ID-JI", level=1, parent=root, name="Jawa Timur", path="ID/ID-JI/"
    )
    villages = []
    for d in range(10):
        district = AdminArea.objects.create(
            country=indonesia,
            code=f"35.{d + 1:02d}",
            level=2,
            parent=province,
            name=f"District {d + 1}",
            path=f"{province.path}35.{d + 1:02d}/",
        )
        sub = AdminArea.objects.create(
            country=indonesia,
            code=f"{district.code}.01",
            level=3,
            parent=district,
            name=f"Sub-district {d + 1}",
            path=f"{district.path}{district.code}.01/",
        )
        for v in range(villages_per_district):
            code = f"{sub.code}.{2001 + v}"
            AdminArea.objects.create(
                country=indonesia,
                code=code,
                level=4,
                parent=sub,
                name=f"Village {d + 1}-{v + 1}",
                path=f"{sub.path}{code}/",
            )
            villages.append(code)
    agency = organisation_create(
        actor=None,
        name="National agency (bench)",
        kind=OrganisationKind.NATIONAL_AGENCY,
        country=indonesia,
        area=root,
    )
    user = user_create(
        username="bench_supervisor", password="bench-password-91", full_name="Bench", language="en"
    )
    membership = membership_create(
        actor=None, user=user, organisation=agency, role=Role.SUPERVISOR, has_clearance=True
    )
    return Actor(user=user, membership=membership), villages


def cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (the check's workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class BackendCpu:
    """CPU seconds of the database sessions this process opens (PostgreSQL on this host
    only: read from /proc), to tell the import's own work from a busy machine's."""

    def __init__(self) -> None:
        self.pids: list[int] = []

    def opened(self, sender: Any, connection: Any, **kwargs: Any) -> None:
        from django.db import connections

        # This thread's own connection, not the import's second one for its progress.
        if connection.vendor == "postgresql" and connection is connections["default"]:
            self.pids.append(connection.connection.info.backend_pid)

    def seconds(self, pid: int) -> float | None:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_import(actor: Any, path: Path, source: Any) -> tuple[Any, float, float, float]:
    from django.core.files import File

    from pulang.registry.imports.models import ImportBatch
    from pulang.registry.imports.services import (
        commit_now,
        import_batch_check,
        import_batch_commit,
        import_batch_run_check,
        import_batch_upload,
    )

    def check_here(batch_id: int) -> str:
        import_batch_run_check(batch_id=batch_id)
        return "bench"

    def commit_here(batch_id: int) -> str:
        commit_now(batch_id=batch_id)
        return "bench"

    started = time.perf_counter()
    with path.open("rb") as handle:
        batch = import_batch_upload(
            actor=actor, upload=File(handle, name=path.name), file_name=path.name, source=source
        )
    import_batch_check(actor=actor, batch=batch, enqueue=check_here)
    checked = time.perf_counter()
    batch = ImportBatch.objects.get(pk=batch.pk)
    if batch.status != "checked" or batch.invalid:
        raise SystemExit(f"check failed: {batch.status} {batch.failure} invalid={batch.invalid}")
    import_batch_commit(actor=actor, batch=batch, enqueue=commit_here)
    done = time.perf_counter()
    batch = ImportBatch.objects.get(pk=batch.pk)
    if batch.status != "done":
        raise SystemExit(f"import failed: {batch.failure}")
    return batch, checked - started, done - checked, done - started


def raw_copy_seconds(path: Path) -> float:
    """COPY of the file as it is into a table of text columns: the physical floor."""
    from django.db import connection, transaction

    columns = ", ".join(f"c{i} text" for i in range(len(HEADERS)))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE raw_copy ({columns}) ON COMMIT DROP")
        started = time.perf_counter()
        with (
            cursor.copy("COPY raw_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
            path.open("rb") as file,
        ):
            while data := file.read(1 << 20):
                copy.write(data)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    setup_django()
    from django.conf import settings
    from django.db import connection

    workdir = Path(tempfile.mkdtemp(prefix="bench-imports-files-"))
    settings.PULANG_IMPORT_DIR = str(workdir / "imports")
    old_name, vendor = scratch_database()
    try:
        from pulang.registry.imports.services import import_source_from_template

        actor, villages = world()
        first_path, list_path = workdir / "earlier.csv", workdir / "arrivals.csv"
        distinct = write_files(first_path, list_path, args.rows, args.seed, villages)
        earlier_count = max(1, args.rows // 20)
        source = import_source_from_template(actor=actor, name="standard")
        note(f"{vendor}: registering an earlier list of {earlier_count} people")
        run_import(actor, first_path, source)

        size_mib = list_path.stat().st_size / 2**20
        note(f"{vendor}: importing {args.rows} rows ({size_mib:.0f} MiB)")
        from django.db.backends.signals import connection_created

        backends = BackendCpu()
        connection_created.connect(backends.opened)
        cpu_before = cpu_seconds()
        batch, check_s, commit_s, total_s = run_import(actor, list_path, source)
        python_cpu = cpu_seconds() - cpu_before
        connection_created.disconnect(backends.opened)
        n = label(args.rows)
        common = {"db": vendor, "rows": args.rows}
        emit(metric=f"import_{n}_seconds", value=round(total_s, 1), unit="s", **common)
        emit(metric=f"import_{n}_check_seconds", value=round(check_s, 1), unit="s", **common)
        emit(metric=f"import_{n}_commit_seconds", value=round(commit_s, 1), unit="s", **common)
        # The machine may be shared: CPU seconds say what the import itself cost.
        emit(
            metric=f"import_{n}_python_cpu_seconds",
            value=round(python_cpu, 1),
            unit="s",
            **common,
        )
        # The import's session is the last one the import opened (it starts afresh).
        db_cpu = backends.seconds(backends.pids[-1]) if backends.pids else None
        if db_cpu is not None:
            emit(
                metric=f"import_{n}_commit_db_cpu_seconds",
                value=round(db_cpu, 1),
                unit="s",
                **common,
            )
        emit(
            metric="import_rows_per_second",
            value=round(args.rows / total_s),
            unit="rows/s",
            **common,
        )
        emit(
            metric="import_outcome",
            value={"created": batch.created, "linked": batch.linked},
            unit="rows",
            **common,
        )
        from pulang.audit.models import AuditEvent

        checked = AuditEvent.objects.filter(
            action="registry.import_checked", subject_id=str(batch.pk)
        ).first()
        if checked is not None:
            keys = checked.details.get("name_keys", {})
            if keys.get("seconds"):
                emit(
                    metric="name_keys_per_second",
                    value=round(keys["computed"] / keys["seconds"]),
                    unit="names/s",
                    distinct_names=distinct,
                    name_keys_computed=keys["computed"],
                    name_keys_cpu_seconds=keys["seconds"],
                    check_workers=checked.details.get("workers", 1),
                    **common,
                )
        committed = AuditEvent.objects.filter(
            action="registry.import_committed", subject_id=str(batch.pk)
        ).first()
        if committed is not None:
            emit(
                metric="import_commit_steps",
                value=committed.details.get("steps", {}),
                unit="s",
                **common,
            )
        if vendor == "postgresql":
            copy_s = raw_copy_seconds(list_path)
            emit(metric=f"copy_raw_{n}_seconds", value=round(copy_s, 2), unit="s", **common)
            emit(
                metric="import_to_copy_ratio", value=round(total_s / copy_s, 1), unit="x", **common
            )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        emit(metric="peak_rss_mib", value=round(peak), unit="MiB", **common)
        # The check's worker processes (forked: pages they share with this one count in
        # both figures).
        workers_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        emit(metric="peak_rss_worker_mib", value=round(workers_peak), unit="MiB", **common)
    finally:
        scratch = Path(str(connection.settings_dict["NAME"]))
        if not args.keep:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            if vendor == "sqlite":
                shutil.rmtree(scratch.parent, ignore_errors=True)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
