"""The test session really runs against PostgreSQL, Redis and headless Chromium."""

import pytest
import redis
from django.db import connection, transaction

from tests import services
from tests.service_fixtures import running_in_ci


@pytest.mark.django_db
def test_database_is_postgresql_when_installed():
    if running_in_ci() or services.find_postgres_bin_dir() is not None:
        assert connection.vendor == "postgresql"
    else:
        pytest.skip("PostgreSQL binaries not installed: tests run on SQLite")


@pytest.mark.django_db
def test_select_for_update_works():
    from django.contrib.auth.models import Group

    if not connection.features.has_select_for_update:
        pytest.skip(f"{connection.vendor} has no SELECT ... FOR UPDATE")
    Group.objects.create(name="locked")
    with transaction.atomic():
        locked = Group.objects.select_for_update().get(name="locked")
        locked.name = "updated"
        locked.save()
    assert Group.objects.get(pk=locked.pk).name == "updated"


def test_redis_answers_set_and_get(redis_url):
    client = redis.Redis.from_url(redis_url)
    try:
        client.set("test-services", "hello")
        assert client.get("test-services") == b"hello"
    finally:
        client.close()


@pytest.mark.browser
def test_headless_chromium_loads_a_live_page(chromium_executable, live_server, transactional_db):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_executable, args=services.CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(live_server.url + "/admin/login/")
            title = page.title()
        finally:
            browser.close()
    assert "Log in" in title
