"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from pulang.operations.demo import DemoUser, demo_setup

# Playwright's sync API runs an event loop in the test thread; Django would otherwise refuse
# every ORM call made from a fixture or test once a browser is running.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None:
        reason = "Debian's chromium is not installed: apt-get install chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)  # CI must run the browser tests, never skip them
        pytest.skip(reason)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


@pytest.fixture
def demo_users(live_server: LiveServer, settings: Settings) -> list[DemoUser]:
    """The demo organisations and one user per role, seen by the live server.

    ``live_server`` makes the test transactional, so the data is committed and visible to
    the server thread (and flushed after the test)."""
    settings.PULANG_DEMO = True
    return demo_setup()
