from playwright.sync_api import Browser
from pytest_django.live_server_helper import LiveServer
def test_dbg(browser: Browser, live_server: LiveServer) -> None:
    page = browser.new_page(base_url=live_server.url)
    page.goto("/accounts/login/")
    print("initial:", page.evaluate("document.activeElement.outerHTML"))
    page.keyboard.press("Tab")
    print("after tab:", page.evaluate("document.activeElement.outerHTML"))
