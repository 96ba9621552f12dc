"""Sign-in, the role dashboards, the language switcher and sign-out in a real browser."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from pulang.operations.demo import DEMO_PASSWORD, DemoUser

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 360, "height": 740}
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
INDONESIAN_CATALOGUE = Path(settings.BASE_DIR) / "locale" / "id" / "LC_MESSAGES" / "django.mo"
LOGIN = "/accounts/login/"


@contextmanager
def new_page(
    browser: Browser, server: LiveServer, viewport: ViewportSize | None = None
) -> Iterator[Page]:
    """A page in a fresh context: no cookies, English browser, the live server as base URL."""
    with browser.new_context(
        base_url=server.url, locale="en-GB", viewport=viewport or {"width": 1280, "height": 800}
    ) as context:
        yield context.new_page()


def sign_in(page: Page, username: str, password: str) -> None:
    """Through the real form, found by its English labels (a fresh context reads English)."""
    page.goto(LOGIN)
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def switch_language(page: Page, language: str) -> None:
    """With the footer switcher; located by id and form, since its labels change language."""
    page.locator("#language-switch").select_option(language)
    page.locator("form.language-form button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("#language-switch")).to_have_value(language)


def sign_out(page: Page) -> None:
    page.locator("header details.dropdown > summary").click()
    page.locator("header form[action$='/accounts/logout/'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(f"{re.escape(LOGIN)}$"))
    expect(page.locator("header details.dropdown")).to_have_count(0)


def page_width(page: Page) -> int:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width


def settle(page: Page) -> None:
    """Wait two animation frames: the browser applies ``autofocus`` when it next renders, so
    until then a key press can land before (or after) the autofocus moves the focus."""
    page.evaluate(
        "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
    )


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def test_every_role_sees_its_dashboard_in_both_languages(
    browser: Browser, live_server: LiveServer, demo_users: list[DemoUser], subtests: pytest.Subtests
) -> None:
    translated = INDONESIAN_CATALOGUE.exists()
    for user in demo_users:
        with (
            subtests.test(msg=user.username, role=user.role.value),
            new_page(browser, live_server) as page,
        ):
            sign_in(page, user.username, DEMO_PASSWORD)
            expect(page).to_have_url(f"{live_server.url}/")
            # The language cookie comes from the saved preference at sign-in.
            expect(page.locator("html")).to_have_attribute("lang", user.language)
            panels = page.locator("div.panels")
            expect(panels).to_have_attribute("data-role", user.role.value)
            expect(panels.locator("article").first).to_be_visible()

            heading = page.get_by_role("heading", level=1)
            headings: dict[str, str] = {}
            # Switch away from the saved language first, so that every switch reloads the page.
            for language in ("en", "id") if user.language == "id" else ("id", "en"):
                switch_language(page, language)
                expect(panels).to_have_attribute("data-role", user.role.value)
                expect(panels.locator("article").first).to_be_visible()
                expect(heading).to_contain_text(user.full_name.split()[0])
                headings[language] = heading.inner_text()
                if user.username == "admin":
                    screenshot(page, f"dashboard-{language}")
            if translated:
                assert headings["en"] != headings["id"], "the dashboard heading is not translated"
            sign_out(page)
    if not translated:
        warnings.warn(
            f"{INDONESIAN_CATALOGUE} is missing (run `manage.py compiletranslations`): "
            "Indonesian text was not checked, only <html lang>.",
            stacklevel=1,
        )


def test_sign_in_on_a_phone(
    browser: Browser, live_server: LiveServer, demo_users: list[DemoUser], subtests: pytest.Subtests
) -> None:
    with new_page(browser, live_server, PHONE) as page:
        page.goto(LOGIN)
        assert page_width(page) <= PHONE["width"], "the sign-in page scrolls sideways"

        sign_in(page, "caseworker", "not-the-password")
        wrong_password = page.get_by_role("alert")
        expect(wrong_password).to_be_visible()
        expect(page).to_have_url(re.compile(f"{re.escape(LOGIN)}$"))
        expect(page.get_by_label("User name")).to_have_value("caseworker")
        message = wrong_password.inner_text()
        assert page_width(page) <= PHONE["width"], "the sign-in error scrolls sideways"
        screenshot(page, "sign-in-error-phone")

        # Generic: an unknown user name gets exactly the same words.
        sign_in(page, "nobody-by-this-name", "not-the-password")
        expect(page.get_by_role("alert")).to_have_text(message)

    for user in demo_users:
        with (
            subtests.test(msg=user.username, role=user.role.value),
            new_page(browser, live_server, PHONE) as page,
        ):
            sign_in(page, user.username, DEMO_PASSWORD)
            expect(page.locator("div.panels")).to_have_attribute("data-role", user.role.value)
            assert page_width(page) <= PHONE["width"], "the dashboard scrolls sideways"
            if user.username == "caseworker":
                screenshot(page, "dashboard-phone")


def test_tab_first_reaches_the_skip_link(browser: Browser, live_server: LiveServer) -> None:
    with new_page(browser, live_server) as page:
        page.goto(LOGIN)
        settle(page)
        page.keyboard.press("Tab")
        expect(page.locator("a.skip-link")).to_be_focused(timeout=1000)


def test_skip_link_shows_when_focused_and_moves_to_the_content(
    browser: Browser, live_server: LiveServer
) -> None:
    with new_page(browser, live_server) as page:
        page.goto(LOGIN)
        settle(page)
        skip_link = page.locator("a.skip-link")
        expect(skip_link).not_to_be_in_viewport()  # off-screen until it has the focus
        skip_link.focus()
        expect(skip_link).to_have_text("Skip to content")
        expect(skip_link).to_be_in_viewport()
        page.keyboard.press("Enter")
        expect(page.locator("main#main")).to_be_focused()
