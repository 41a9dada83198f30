import pytest
from django.db import connections
from playwright.sync_api import sync_playwright

from tests import services


@pytest.fixture
def browser(chromium_executable, transactional_db, monkeypatch):
    # Playwright's sync API keeps an event loop running in this thread; the
    # test's own ORM calls are still synchronous, so Django may allow them.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_executable, args=services.CHROMIUM_ARGS)
        yield browser
        browser.close()
        # Connections opened while Playwright's loop ran belong to its context;
        # close them here, or the test database can't be dropped at the end.
        connections.close_all()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()
