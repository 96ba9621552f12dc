"""The public service directory in Chromium on an entry-level phone, in Indonesian: a
returnee chooses her province, then her village, then what she needs, and finds the
counselling service that covers her village, with a button to call it — with a script
(htmx brings the places at once) and without one (a button brings them)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from pulang.referrals.models import Service
from tests.browser.test_registry import CHEAP_PHONE, indonesian, page_width, screenshot
from tests.factories import World
from tests.referrals.directory_helpers import languages
from tests.referrals.helpers import published_service

pytestmark = [pytest.mark.browser]

TALANGAGUNG = "35.07.13.2001"


@pytest.fixture
def directory(live_server: LiveServer, world: World) -> Service:
    """Three published services (committed: ``live_server`` makes the test transactional);
    only the first is counselling offered where the returnee lives."""
    languages()
    counselling = published_service(
        world.provider,
        "counselling",
        [world.malang],
        phone="+62341123456",
        languages=["id", "jv"],
        address="Jl. Raya Kepanjen 10, Kabupaten Malang, Jawa Timur 65163",
    )
    published_service(
        world.provider,
        "counselling",
        [world.lombok_timur],
        name="Konseling Lombok Timur",
        english="Counselling in Lombok Timur",
    )
    published_service(
        world.provider, "legal_aid", [world.malang], name="Bantuan hukum", english="Legal aid"
    )
    return counselling


def find_counselling(page: Page, *, with_script: bool) -> None:
    page.goto("/services/")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_role("heading", level=1)).to_have_text(indonesian("Find help near you"))
    page.locator("#id_province").select_option("ID-JI")
    if not with_script:
        page.locator("button[name=refresh][value=areas]").click()
        expect(page.locator("#id_province")).to_have_value("ID-JI")
    # The places of the province, the village indented under its district.
    expect(page.locator(f"#id_area option[value='{TALANGAGUNG}']")).to_be_attached()
    expect(page.locator("#id_area option[value='52.03']")).to_have_count(0)
    page.locator("#id_area").select_option(TALANGAGUNG)
    page.locator("#id_need").select_option("psychosocial")
    page.locator("form.directory-search button[type=submit]:not([name])").click()


def check_result(page: Page, counselling: Service) -> None:
    cards = page.locator("article.service-card")
    expect(cards).to_have_count(1)
    card = cards.first
    expect(card.locator("h3")).to_have_text("Konseling bagi pekerja migran purna")
    expect(card.locator("h3 a")).to_have_attribute("lang", "id")
    call = card.locator("a[href^='tel:']")
    expect(call).to_have_attribute("href", "tel:+62341123456")
    expect(call).to_contain_text("(0341) 123456")
    expect(card).to_contain_text("Konseling gratis, tatap muka atau lewat telepon.")
    expect(card).to_contain_text("Senin sampai Jumat, 08.00 sampai 16.00")
    # The call button is within the screen, and nothing scrolls sideways.
    box = call.bounding_box()
    assert box is not None and box["x"] + box["width"] <= CHEAP_PHONE["width"]
    assert page_width(page) <= CHEAP_PHONE["width"], "the results scroll sideways"

    card.locator("h3 a").click()
    expect(page).to_have_url(
        f"{page.url.split('/services/')[0]}/services/{counselling.pk}/?"
        f"province=ID-JI&area={TALANGAGUNG}&need=psychosocial"
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Konseling bagi pekerja migran purna")
    expect(page.locator("main")).to_contain_text("Kabupaten Malang")
    assert page_width(page) <= CHEAP_PHONE["width"], "the service page scrolls sideways"


def test_a_returnee_finds_counselling_for_her_village_on_a_phone_in_indonesian(
    browser: Browser, live_server: LiveServer, directory: Service
) -> None:
    with browser.new_context(
        base_url=live_server.url,
        locale="id-ID",
        viewport=CHEAP_PHONE,
        is_mobile=True,
        has_touch=True,
    ) as context:
        page = context.new_page()
        find_counselling(page, with_script=True)
        assert page_width(page) <= CHEAP_PHONE["width"], "the search scrolls sideways"
        screenshot(page, "directory-phone-id")
        check_result(page, directory)
        screenshot(page, "directory-service-phone-id")
        # Nothing kept about her but the token of the language switch.
        assert {c["name"] for c in context.cookies()} <= {"csrftoken"}


def test_the_directory_works_without_a_script(
    browser: Browser, live_server: LiveServer, directory: Service
) -> None:
    with browser.new_context(
        base_url=live_server.url,
        locale="id-ID",
        viewport=CHEAP_PHONE,
        java_script_enabled=False,
    ) as context:
        page = context.new_page()
        find_counselling(page, with_script=False)
        check_result(page, directory)
