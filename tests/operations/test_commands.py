from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings

from pulang.geo.models import AdminArea
from pulang.operations.demo import USERS
from pulang.orgs.actor import Actor
from pulang.orgs.models import Membership, Organisation
from tests.factories import World

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


def test_demo_refuses_outside_a_demo(db: None) -> None:
    with pytest.raises(CommandError, match="PULANG_DEMO=true"):
        run("demo_setup")
    assert Organisation.objects.count() == 0


@override_settings(PULANG_DEMO=True)
def test_demo_creates_one_user_per_role_and_can_run_again(db: None) -> None:
    first = run("demo_setup")
    counts = (Organisation.objects.count(), Membership.objects.count(), AdminArea.objects.count())
    second = run("demo_setup")
    assert counts == (
        Organisation.objects.count(),
        Membership.objects.count(),
        AdminArea.objects.count(),
    )
    assert counts[:2] == (10, len(USERS))
    assert first == second
    assert "password for all: demo-pulang-2026" in first
    assert {m.role for m in Membership.objects.all()} == {u.role.value for u in USERS}


def test_import_areas_command_names_each_bad_line(world: World, tmp_path: Path) -> None:
    csv = tmp_path / "areas.csv"
    csv.write_text("code,parent_code,level,name\n35.05,ID-JI,2,Blitar\n35.05.1,99,3,Wlingi\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 row has errors"):
        call_command("import_areas", str(csv), "--country", "ID", stderr=err)
    assert err.getvalue() == f"{csv}:3: parent_code: unknown parent area code “99”\n"
    assert not AdminArea.objects.filter(code="35.05").exists()


def test_import_areas_command_reports_counts(world: World, tmp_path: Path) -> None:
    csv = tmp_path / "areas.csv"
    csv.write_text("code,parent_code,level,name\n35.05,ID-JI,2,Blitar\n")
    assert run("import_areas", str(csv), "--country", "ID", "--dry-run") == (
        "1 areas would be created, 0 updated, 0 unchanged.\n"
    )
    assert run("import_areas", str(csv), "--country", "ID") == (
        "1 areas were created, 0 updated, 0 unchanged.\n"
    )


def test_issued_token_authenticates(client: Client, world: World, village_officer: Actor) -> None:
    secret = run(
        "issue_token", "--membership", str(village_officer.membership.pk), "--name", "feed"
    )
    response = client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {secret.strip()}")
    assert response.json()["username"] == "village_officer"


def test_issue_token_refuses_an_unknown_membership(db: None) -> None:
    with pytest.raises(CommandError, match="No active membership"):
        run("issue_token", "--membership", "999", "--name", "feed")


def test_env_example_documents_every_setting() -> None:
    settings_source = (ROOT / "config" / "settings.py").read_text()
    read = set(re.findall(r'env_\w+\(\s*"([A-Z_]+)"', settings_source))
    documented = set(re.findall(r"^#?\s*([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read - documented == set()
    assert "DATABASE_URL" in read


def test_first_administrator_of_a_deployment(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    out = run(
        "add_organisation",
        "--name",
        "BP2MI",
        "--kind",
        "national_agency",
        "--country",
        "ID",
        "--area",
        "ID",
    )
    assert out.startswith("organisation ")
    monkeypatch.setattr("getpass.getpass", lambda prompt: "a-long-enough-secret-9")
    out = run(
        "add_member",
        "--username",
        "ayu",
        "--organisation",
        "BP2MI",
        "--role",
        "administrator",
        "--clearance",
    )
    membership = Membership.objects.get(user__username="ayu")
    assert (membership.role, membership.has_clearance, membership.organisation.name) == (
        "administrator",
        True,
        "BP2MI",
    )
    assert membership.user.check_password("a-long-enough-secret-9")


def test_add_member_refuses_a_role_the_organisation_cannot_have(world: World) -> None:
    from pulang.accounts.services import user_create

    user_create(username="gita", password="a-long-enough-secret-9", full_name="Gita")
    with pytest.raises(CommandError, match="does not exist in an organisation"):
        run(
            "add_member",
            "--username",
            "gita",
            "--organisation",
            "PT Penempatan",
            "--role",
            "case_worker",
        )
    assert not Membership.objects.filter(user__username="gita").exists()


def test_add_organisation_checks_the_area(world: World) -> None:
    with pytest.raises(CommandError, match="must be responsible for an area"):
        run(
            "add_organisation",
            "--name",
            "X",
            "--kind",
            "district_office",
            "--country",
            "ID",
            "--area",
            "ID-JI",
        )
    assert not Organisation.objects.filter(name="X").exists()


def test_demo_cases_refuse_outside_a_demo(db: None) -> None:
    with pytest.raises(CommandError, match="PULANG_DEMO=true"):
        run("demo_cases")


@override_settings(PULANG_DEMO=True)
def test_demo_cases_fill_the_work_lists_once(db: None) -> None:
    from pulang.cases.models import Case

    run("demo_setup")
    run("load_instruments")
    assert run("demo_cases") == "Demo cases: 3\n"
    assert run("demo_cases") == "Demo cases: 3\n"
    assert sorted(Case.objects.values_list("person__full_name", "priority", "status")) == [
        ("Nur Aini", "high", "plan_agreed"),
        ("Rina Marlina", "high", "assessed"),
        ("Sri Wahyuni", "urgent", "assessed"),
    ]
