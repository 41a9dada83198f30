"""No page makes the visitor's browser contact anyone but the site: every script, stylesheet,
font, image and icon comes from the site itself (no CDN, analytics or web fonts)."""

from urllib.parse import urlsplit

import pytest

from tests import pages

pytestmark = pytest.mark.browser


@pytest.fixture
def site(settings, transactional_db):
    pages.configure(settings)
    return pages.build_pages()


def test_pages_request_nothing_from_other_hosts(page, live_server, site):
    own = urlsplit(live_server.url).netloc
    requests = []
    page.on("request", lambda request: requests.append(request))

    elsewhere = []
    kinds = set()
    for checked in site:
        requests.clear()
        pages.open_in_browser(page, live_server, checked)
        page.wait_for_load_state("networkidle")
        for request in requests:
            url = urlsplit(request.url)
            kinds.add(request.resource_type)
            if url.scheme != "data" and url.netloc != own:
                elsewhere.append(f"{checked}: {request.resource_type} {request.url}")

    assert not elsewhere, "requests to other hosts:\n" + "\n".join(elsewhere)
    # The recording did see the pages' own files.
    assert {"document", "stylesheet", "script"} <= kinds


def test_the_check_would_see_a_request_to_another_host(page, live_server, site):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.route("https://cdn.example.com/**", lambda route: route.abort())
    pages.open_in_browser(page, live_server, site[0])

    page.evaluate("new Image().src = 'https://cdn.example.com/pixel.gif'")
    page.wait_for_timeout(200)

    assert "https://cdn.example.com/pixel.gif" in requests
