"""A burst of guests registering at once, against a live site over HTTP.

Each guest is a thread with its own cookies: it opens the registration form (for its
CSRF token and form stamp), waits as a person filling the form would, and posts it.
The posts are spread evenly over `window` seconds.
"""

import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from tests.services import SiteClient

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_STAMP = re.compile(r'name="form_stamp" value="([^"]*)"')


@dataclass
class BurstResult:
    guests: int
    seconds: float
    # "GET 200", "POST 302", "POST error: ConnectionResetError"...: how many of each.
    outcomes: Counter = field(default_factory=Counter)

    @property
    def registered(self):
        """Posts answered by the redirect to the "check your email" page."""
        return self.outcomes["POST 302"]

    @property
    def server_errors(self):
        """5xx answers, and requests that got no answer at all."""
        return sum(n for outcome, n in self.outcomes.items() if re.search(r" 5\d\d$| error", outcome))


def run_burst(base_url, register_path, *, guests, window=10.0, fill_seconds=0.0, tag="burst"):
    """Register `guests` guests at `register_path`, their posts spread over `window` seconds.

    `fill_seconds` is how long each guest spends on the form: at least the site's
    REGISTRATION_MIN_FILL_SECONDS, or the form is refused as too fast.
    """
    result = BurstResult(guests=guests, seconds=0.0)
    lock = threading.Lock()

    def record(outcome):
        with lock:
            result.outcomes[outcome] += 1

    start = time.monotonic() + 0.5

    def guest(number):
        client = SiteClient(base_url)
        shown_at = start + number * window / guests
        time.sleep(max(0.0, shown_at - time.monotonic()))
        try:
            status, _, page = client.get(register_path)
            record(f"GET {status}")
            if status != 200:
                return
            form = {
                "csrfmiddlewaretoken": _CSRF.search(page).group(1),
                "form_stamp": _STAMP.search(page).group(1),
                "name": f"Burst Guest {number}",
                "email": f"{tag}-{number}@example.com",
                "time_zone": "Europe/Brussels",
                "language": "en",
                "privacy_consent": "on",
            }
            time.sleep(fill_seconds)  # from when the form arrived, as its stamp was made then
            status, _, _ = client.post(register_path, form)
            record(f"POST {status}")
        except Exception as error:  # a failed guest is counted, not fatal
            record(f"POST error: {type(error).__name__}")

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=guests) as pool:
        list(pool.map(guest, range(guests)))
    result.seconds = time.monotonic() - began
    return result
