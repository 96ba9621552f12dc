"""The registry's channels end to end in Chromium: the staff form with the duplicate check
at the door, self-registration on a cheap phone in Indonesian, consular pre-registration
handed to the home office on arrival, a CSV import from upload to done, and search with
the person page.

Staff are signed in by a session made on the server side (the sign-in form has its own
tests in test_dashboards.py). Imports run their background tasks with Django's immediate
backend: the task runs inside the request that starts it, so the page it returns to
already shows the finished step."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.utils import timezone, translation
from playwright.sync_api import Browser, Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from pulang.audit.models import AuditEvent
from pulang.orgs.actor import Actor
from pulang.registry.imports.models import ImportBatch
from pulang.registry.inputs import ReturnInput
from pulang.registry.models import IntakeRecord, Person, Return
from pulang.registry.services import OnMatch, registration_submit
from tests.factories import World
from tests.registry.helpers import occupation, siti

pytestmark = pytest.mark.browser

DESKTOP: ViewportSize = {"width": 1280, "height": 800}
# An entry-level Android phone.
CHEAP_PHONE: ViewportSize = {"width": 360, "height": 640}
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
CODE = re.compile(r"^[ABCDEFGHJKMNPQRSTUVWXYZ2-9]{8}$")
IMPORT_HEADERS = (
    "full_name,sex,birth_date,nationality,national_id_number,home_area,"
    "destination_country,occupation,started_on,returned_on,reason,mode"
)
BUDI = (
    "Budi Santoso,M,1990-05-12,ID,3507011205900002,35.07.12.2001,SA,9111,"
    "2020-01-15,2025-02-20,early_termination,assisted"
)
AGUS = (
    "Agus Salim,M,1988-11-30,ID,3507013011880004,35.07.13.2001,MY,9111,"
    "2019-04-01,2025-02-21,end_of_contract,voluntary"
)
# Home in Lombok Timur: outside the Malang office's area.
LOMBOK = "Rudi Hartono,M,1987-06-15,ID,,52.03,MY,,2019-05-01,2025-02-22,end_of_contract,voluntary"


@pytest.fixture
def registry_world(live_server: LiveServer, world: World, settings: Any, tmp_path: Path) -> World:
    """The test data (committed: ``live_server`` makes the test transactional, so the
    server thread sees it), uploads in a temporary directory, tasks run at once."""
    settings.PULANG_IMPORT_DIR = str(tmp_path / "imports")
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    cache.clear()  # the self-registration rate limit counts per address, across tests
    occupation()
    return world


@contextmanager
def signed_in(
    browser: Browser, server: LiveServer, actor: Actor, viewport: ViewportSize = DESKTOP
) -> Iterator[Page]:
    """A page in a fresh English context, signed in as ``actor``."""
    client = Client()
    client.force_login(actor.user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    with browser.new_context(base_url=server.url, locale="en-GB", viewport=viewport) as context:
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": server.url}]
        )
        yield context.new_page()


def indonesian(text: str) -> str:
    with translation.override("id"):
        return translation.gettext(text)


def page_width(page: Page) -> int:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def person_id_in(page: Page) -> int:
    match = re.search(r"/registry/persons/(\d+)/$", page.url)
    assert match is not None, page.url
    return int(match.group(1))


def fill_registration(
    page: Page, *, name: str, sex: str, born: str, area: str, phone: str = ""
) -> None:
    page.get_by_label("Full name, as the person writes it").fill(name)
    page.get_by_label("Sex", exact=True).select_option(sex)
    page.get_by_label("Date of birth", exact=True).fill(born)
    page.get_by_label("Phone", exact=True).fill(phone)
    page.get_by_label("Home area", exact=True).select_option(area)


# --- Staff form, with the duplicate check at the door --------------------------------------


def test_a_village_officer_registers_a_returnee_checking_for_duplicates(
    browser: Browser, live_server: LiveServer, registry_world: World, village_officer: Actor
) -> None:
    registered = registration_submit(
        actor=village_officer, data=siti(), channel="staff", on_match=OnMatch.CREATE
    ).person
    assert registered is not None
    with signed_in(browser, live_server, village_officer) as page:
        page.goto("/registry/register/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Register a returnee")
        fill_registration(
            page, name="Siti Aminah", sex="F", born="1985-08-17", area="35.07.13.2001"
        )
        page.get_by_label("Country of work").select_option("MY")
        page.get_by_label("Date of return", exact=True).fill("2025-03-02")
        page.get_by_label("Reason for return").select_option("end_of_contract")
        page.get_by_label("Mode of return").select_option("voluntary")
        page.get_by_role("button", name="Register", exact=True).click()

        # Held at the door: the person already registered, and why they match.
        candidates = page.locator("article.candidates")
        expect(candidates.get_by_role("heading")).to_have_text(
            "This person may already be registered"
        )
        expect(candidates.locator("li")).to_have_count(1)
        expect(candidates.locator("li strong")).to_have_text("Siti Aminah binti Sukarno")
        expect(candidates.locator("li small")).to_have_text(
            re.compile(r"similar name \(\d+%\), same date of birth")
        )
        assert Person.objects.count() == 1  # nothing is written while the officer decides
        candidates.get_by_role("button", name="Same person: add to this record").click()

        expect(page).to_have_url(f"{live_server.url}/registry/persons/{registered.pk}/")
        expect(page.get_by_role("status")).to_have_text(
            "The report has been added to the person's record."
        )
        expect(page.locator("dl.facts")).to_contain_text("Siti Aminah (Other spelling or nickname)")

        # A namesake on the same phone (her cousin): the officer confirms a new person.
        page.goto("/registry/register/")
        fill_registration(
            page,
            name="Siti Aminah",
            sex="F",
            born="1991-02-14",
            area="35.07.13.2001",
            phone="0812 3456 7890",
        )
        page.get_by_label("Date of return", exact=True).fill("2025-04-10")
        page.get_by_role("button", name="Register", exact=True).click()
        candidates = page.locator("article.candidates")
        expect(candidates.locator("li strong")).to_have_text("Siti Aminah binti Sukarno")
        expect(candidates.locator("li small")).to_contain_text("same phone number")
        candidates.get_by_role("button", name="Someone new: register").click()

        expect(page.get_by_role("status")).to_have_text("The person has been registered.")
        expect(page.get_by_role("heading", level=1)).to_have_text("Siti Aminah")
        new_id = person_id_in(page)
    assert new_id != registered.pk
    assert sorted(Person.objects.values_list("full_name", flat=True)) == [
        "Siti Aminah",
        "Siti Aminah binti Sukarno",
    ]
    assert Return.objects.filter(person=registered).count() == 2


# --- Self-registration on a phone ----------------------------------------------------------


def test_a_returnee_registers_herself_on_a_cheap_phone_in_indonesian(
    browser: Browser, live_server: LiveServer, registry_world: World, village_officer: Actor
) -> None:
    with browser.new_context(
        base_url=live_server.url,
        locale="id-ID",
        viewport=CHEAP_PHONE,
        is_mobile=True,
        has_touch=True,
    ) as context:
        page = context.new_page()
        page.goto("/registry/self/")
        expect(page.locator("html")).to_have_attribute("lang", "id")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            indonesian("Welcome home. Register your return.")
        )
        # Found by name, not label: the labels are in Indonesian.
        page.locator("#id_full_name").fill("Sri Wahyuni")
        page.locator("#id_sex").select_option("F")
        page.locator("#id_birth_date").fill("1990-04-02")
        page.locator("#id_phone").fill("0813 2222 3333")
        page.locator("#id_province").select_option("ID-JI")
        page.locator("button[name=refresh][value=areas]").click()
        # The page comes back with the province's areas, and what was typed kept.
        expect(page.locator("#id_home_area option[value='35.07.13.2001']")).to_be_attached()
        expect(page.locator("#id_full_name")).to_have_value("Sri Wahyuni")
        page.locator("#id_home_area").select_option("35.07.13.2001")
        page.locator("#id_destination_country").select_option("MY")
        page.locator("#id_job_title").fill("Pekerja rumah tangga")
        page.locator("#id_returned_on").fill("2025-03-02")
        page.locator("#id_reason").select_option("end_of_contract")
        page.locator("input[name=consents][value=case_management]").check()
        page.locator("button[name=action][value=save]").click()

        saved = page.locator("p.notice[role=status] strong.secret")
        expect(saved).to_have_text(CODE)
        code = saved.inner_text()
        expect(page.locator("#id_full_name")).to_have_value("Sri Wahyuni")
        assert page_width(page) <= CHEAP_PHONE["width"], "the form scrolls sideways"
        screenshot(page, "self-registration-phone-id")

        # The code finds the draft (here in a second tab): saved, not sent.
        status = context.new_page()
        status.goto("/registry/self/status/")
        status.locator("#id_reference_code").fill(code)
        status.locator("main form button[type=submit]").click()
        expect(status.get_by_role("status")).to_have_text(
            indonesian("Saved but not sent yet. Continue your registration and send it.")
        )
        # From there the draft comes back into the form, as she left it.
        status.get_by_role("button", name=indonesian("Continue my registration")).click()
        expect(status.locator("#id_full_name")).to_have_value("Sri Wahyuni")
        expect(status.locator("p.notice[role=status] strong.secret")).to_have_text(code)
        draft = IntakeRecord.objects.get(reference_code=code)
        assert (draft.status, draft.channel, draft.payload["full_name"]) == (
            "draft",
            "self",
            "Sri Wahyuni",
        )

        # Finished and sent: it goes to the office of her village, under the same code.
        page.locator("button[name=action][value=send]").click()
        expect(page.locator("article p.secret")).to_have_text(code)
        assert page_width(page) <= CHEAP_PHONE["width"]

    with signed_in(browser, live_server, village_officer) as page:
        page.goto("/registry/reports/")
        page.get_by_role("link", name="Check", exact=True).click()
        expect(page.locator("dl.facts")).to_contain_text("Sri Wahyuni")
        # The check only looks: nobody already registered looks like her. Then she is
        # registered, on the officer's word.
        page.get_by_role("button", name="Check for people already registered").click()
        expect(page.locator("main")).to_contain_text(
            "Nobody already registered looks like this person."
        )
        assert IntakeRecord.objects.get(reference_code=code).status == "submitted"
        page.get_by_role("button", name="Register", exact=True).click()
        expect(page.get_by_role("status")).to_have_text("The report has been registered.")
        expect(page.get_by_role("heading", level=1)).to_have_text("Sri Wahyuni")
    intake = IntakeRecord.objects.get(reference_code=code)
    assert (intake.status, intake.person_id) == ("created", Person.objects.get().pk)


# --- Consular pre-return registration, handed home on arrival ----------------------------


def test_a_worker_registered_abroad_passes_to_the_home_office_on_arrival(
    browser: Browser,
    live_server: LiveServer,
    registry_world: World,
    consular_officer: Actor,
    village_officer: Actor,
) -> None:
    expected_on = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    with signed_in(browser, live_server, consular_officer) as page:
        page.goto("/registry/register/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Register a worker before return")
        # The post's country and "expected" are already chosen.
        expect(page.get_by_label("Country of work")).to_have_value("MY")
        expect(page.get_by_label("Return", exact=True)).to_have_value("expected")
        fill_registration(
            page, name="Wahyu Hidayat", sex="M", born="1993-07-21", area="35.07.13.2001"
        )
        page.get_by_label("Expected date of return").fill(expected_on)
        page.get_by_label("Reason for return").select_option("end_of_contract")
        page.get_by_label("Mode of return").select_option("assisted")
        page.get_by_role("button", name="Register", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Wahyu Hidayat")
        expect(page.locator("dl.facts")).to_contain_text("Currently abroad in")
        expect(page.locator("#history")).to_contain_text("Expected home")
        person_id = person_id_in(page)
        consulate = page

        # He is home: the village office records the arrival on his page.
        with signed_in(browser, live_server, village_officer) as home:
            home.goto(f"/registry/persons/{person_id}/")
            home.get_by_label("Arrived on").fill("2025-03-02")
            home.get_by_role("button", name="Record arrival").click()
            expect(home.get_by_role("status")).to_have_text(
                "The arrival has been recorded; the home office now follows up."
            )
            expect(home.locator("#history")).to_contain_text("Came home")
            expect(home.locator("dl.facts")).not_to_contain_text("Currently abroad in")

        # The consulate no longer sees him.
        response = consulate.goto(f"/registry/persons/{person_id}/")
        assert response is not None and response.status == 404
    worker = Person.objects.get(pk=person_id)
    assert (worker.abroad_in_id, worker.home_area_id) == (None, registry_world.talangagung.pk)
    assert worker.returns.get().status == "arrived"


# --- A CSV import: check, problems, import, done ------------------------------------------


def test_a_district_officer_imports_a_csv_list_from_check_to_done(
    browser: Browser, live_server: LiveServer, registry_world: World, district_supervisor: Actor
) -> None:
    with signed_in(browser, live_server, district_supervisor) as page:
        page.goto("/registry/imports/")
        page.get_by_label("How to read the file").select_option("t:standard")
        page.get_by_label("File (.csv or .xlsx)").set_input_files(
            files=[
                {
                    "name": "kedatangan.csv",
                    "mimeType": "text/csv",
                    "buffer": "\n".join([IMPORT_HEADERS, BUDI, LOMBOK, AGUS]).encode(),
                }
            ]
        )
        page.get_by_role("button", name="Upload and check").click()

        # The dry run: counts and the problem, by line and column; nothing imported.
        status = page.locator("#import-status")
        expect(status.get_by_role("heading", level=2)).to_have_text("Checked")
        expect(status.locator("dl.facts")).to_contain_text("Rows in the file3")
        expect(status.locator("table tbody tr")).to_have_count(1)
        expect(status.locator("table tbody tr td")).to_have_text(
            ["3", "home_area", "this person's home area is outside your area of work"]
        )
        expect(status.get_by_role("button", name=re.compile("^Import"))).to_have_count(0)
        with page.expect_download() as download:
            status.get_by_role("link", name=re.compile("Download every problem")).click()
        report = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
        assert report == [
            "line,column,reason",
            "3,home_area,this person's home area is outside your area of work",
        ]
        assert Person.objects.count() == 0

        # The corrected file, read with the source saved on first use.
        page.get_by_role("link", name="All imports").click()
        page.get_by_label("How to read the file").select_option(label="Pulang standard layout")
        page.get_by_label("File (.csv or .xlsx)").set_input_files(
            files=[
                {
                    "name": "kedatangan-2.csv",
                    "mimeType": "text/csv",
                    "buffer": "\n".join([IMPORT_HEADERS, BUDI, AGUS]).encode(),
                }
            ]
        )
        page.get_by_role("button", name="Upload and check").click()
        expect(status.get_by_role("heading", level=2)).to_have_text("Checked")
        expect(status.locator("dl.facts")).to_contain_text("New people2")
        status.get_by_role("button", name="Import 2 rows").click()

        # The import ran: the bar is full and the page says what was written.
        expect(status.get_by_role("heading", level=2)).to_have_text("Imported")
        expect(status.locator("progress")).to_have_attribute("value", "100")
        expect(status.get_by_role("status")).to_have_text(
            "2 people registered. 0 reports added to people already registered."
        )
        expect(status).not_to_have_attribute("hx-trigger", re.compile("."))
        screenshot(page, "import-done")
    assert sorted(Person.objects.values_list("full_name", flat=True)) == [
        "Agus Salim",
        "Budi Santoso",
    ]
    assert list(ImportBatch.objects.order_by("pk").values_list("status", flat=True)) == [
        "checked",
        "done",
    ]


# --- Search and the person page -----------------------------------------------------------


def test_search_finds_a_person_in_scope_and_opens_their_page(
    browser: Browser,
    live_server: LiveServer,
    registry_world: World,
    village_officer: Actor,
    outsider: Actor,
) -> None:
    found = registration_submit(
        actor=village_officer,
        data=siti(
            return_=ReturnInput(
                reason="end_of_contract",
                mode="voluntary",
                returned_on=dt.date(2025, 3, 2),
                destination_area="35.07.13.2001",
            )
        ),
        channel="staff",
        on_match=OnMatch.CREATE,
    ).person
    assert found is not None
    with signed_in(browser, live_server, village_officer) as page:
        page.goto("/registry/")
        search = page.locator("form.filters")
        search.get_by_label("Name").fill("aminah siti")
        search.get_by_role("button", name="Search").click()
        results = page.locator("#search-results tbody tr")
        expect(results).to_have_count(1)
        expect(results.locator("td").nth(3)).to_contain_text("similar name")

        search.get_by_label("Name").fill("")
        search.get_by_label("ID or passport number").fill("3507 0157 0885 0001")
        search.get_by_role("button", name="Search").click()
        expect(results.locator("td").nth(3)).to_have_text(re.compile("^same ID number"))
        results.get_by_role("link", name="Siti Aminah binti Sukarno").click()

        expect(page).to_have_url(f"{live_server.url}/registry/persons/{found.pk}/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Siti Aminah binti Sukarno")
        facts = page.locator("dl.facts")
        expect(facts).to_contain_text("3507015708850001")
        expect(facts).to_contain_text("Talangagung")
        timeline = page.locator("#history")
        expect(timeline).to_contain_text("Went to work in Malaysia")
        expect(timeline).to_contain_text("Came home: End of contract")
    viewed = AuditEvent.objects.filter(action="registry.person_viewed", subject_id=str(found.pk))
    assert list(viewed.values_list("username", flat=True)) == ["village_officer"]

    # An officer of another district neither finds nor opens the person.
    with signed_in(browser, live_server, outsider) as page:
        page.goto("/registry/")
        page.locator("form.filters").get_by_label("Name").fill("siti aminah")
        page.locator("form.filters").get_by_role("button", name="Search").click()
        expect(page.locator("#search-results")).to_have_text("Nobody in your area of work matches.")
        response = page.goto(f"/registry/persons/{found.pk}/")
        assert response is not None and response.status == 404
