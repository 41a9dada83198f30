import datetime as dt
import time
from types import SimpleNamespace

import pytest
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.utils import timezone, translation

from events.models import Session
from operations.heartbeats import track_scheduled_jobs
from operations.models import Heartbeat
from tests import factories
from tests.service_fixtures import *  # noqa: F403

# The kinds of viewer every visibility test tries.
VIEWERS = ["anonymous", "non_affiliate", "member", "domain_verified", "domain_unverified", "staff"]
# Those who must see restricted sessions in full.
SEES_RESTRICTED = {"member", "domain_verified", "staff"}


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    """Templates use {% static %}; tests don't run collectstatic, so skip the manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def force_login_with_second_factor(client, user, backend=None):
    """Client.force_login skips authentication; for staff it skips the second factor too, as if
    the login had included the authenticator app's code. tests/test_two_factor.py logs in for real."""
    force_login_with_second_factor.password_only(client, user, backend)
    if user.is_staff:
        session = client.session
        session[AUTHENTICATION_METHODS_SESSION_KEY] = [{"method": "mfa", "type": "totp", "at": time.time()}]
        session["account_authentication_methods_user"] = str(user.pk)
        session.save()


force_login_with_second_factor.password_only = Client.force_login


def shows_staff_only_page(response):
    """True when a staff URL refused a logged-in user without staff status (ewevents/staff_only.py)."""
    return response.status_code == 403 and "staff_only.html" in [t.name for t in response.templates]


@pytest.fixture(autouse=True)
def _staff_force_login_includes_the_second_factor(monkeypatch):
    monkeypatch.setattr(Client, "force_login", force_login_with_second_factor)


@pytest.fixture(scope="module")
def module_db(django_db_setup, django_db_blocker):
    """The database for a module-scoped data set: what is written under it is written once for the
    module's tests and rolled back after the last (each test still runs in its own transaction)."""
    with django_db_blocker.unblock(), transaction.atomic():
        try:
            yield
        finally:
            transaction.set_rollback(True)


@pytest.fixture(scope="session")
def _media_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _uploads_out_of_the_project(settings, _media_folder):
    """Uploaded files (speaker photos) go to a scratch folder, never the project's var/media."""
    settings.MEDIA_ROOT = _media_folder


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with no cached page parts (events/page_cache.py) or rate-limit counters."""
    cache.clear()


@pytest.fixture(autouse=True)
def _english_to_begin_with():
    """A Spanish request leaves Spanish active in the thread, into the next test. Translated fields
    (events/translation.py) read, write and filter the active language's column, so reset it.
    """
    translation.activate("en")
    yield
    translation.deactivate()


def make_viewer(kind):
    """Create a user of the given viewer kind, or None for an anonymous visitor."""
    if kind == "anonymous":
        return None
    if kind == "non_affiliate":
        return factories.UserFactory()
    if kind == "member":
        return factories.MembershipFactory().user
    if kind in ("domain_verified", "domain_unverified"):
        domain = factories.OrganisationDomainFactory()
        return factories.UserFactory(
            email=f"someone@{domain.domain}", verified_email=kind == "domain_verified"
        )
    if kind == "staff":
        return factories.StaffFactory()
    raise ValueError(kind)


@pytest.fixture(params=VIEWERS)
def viewer(request, client):
    """A client logged in as each kind of viewer in turn, with `sees_restricted` set."""
    user = make_viewer(request.param)
    if user is not None:
        client.force_login(user)
    return SimpleNamespace(
        kind=request.param, user=user, client=client, sees_restricted=request.param in SEES_RESTRICTED
    )


@pytest.fixture
def affiliate_user():
    return factories.MembershipFactory().user


@pytest.fixture
def staff_user():
    return factories.StaffFactory()


@pytest.fixture
def conference_with_mixed_sessions():
    """A published conference with a public, a teaser, a hidden session and a break.

    The restricted ones carry text that must never leak to the public.
    """
    event = factories.EventFactory(title="Mixed Conference", slug="mixed-conference")
    factories.EventPartnerFactory(event=event, name="Flemish Government", role="supporter")
    start = event.start
    public = factories.SessionFactory(
        event=event, title="Open panel", description="Open panel description.", start=start
    )
    factories.SessionSpeakerFactory(
        session=public, speaker__name="Open Speaker", speaker__slug="open-speaker"
    )
    teaser = factories.SessionFactory(
        event=event,
        title="Restricted conversation",
        description="SECRET teaser description",
        visibility=Session.Visibility.AFFILIATES,
        start=start.replace(hour=14),
        room="Room SECRET-ROOM",
    )
    factories.SessionSpeakerFactory(
        session=teaser, speaker__name="Secret Speaker", speaker__slug="secret-speaker", role="moderator"
    )
    hidden = factories.SessionFactory(
        event=event,
        title="Hidden closed meeting",
        description="SECRET hidden description",
        visibility=Session.Visibility.HIDDEN,
        start=start.replace(hour=16),
    )
    factories.SessionSpeakerFactory(
        session=hidden, speaker__name="Hidden Speaker", speaker__slug="hidden-speaker"
    )
    coffee = factories.SessionFactory(
        event=event,
        title="Coffee break",
        kind=Session.Kind.BREAK,
        description="",
        start=start.replace(hour=11),
    )
    return SimpleNamespace(event=event, public=public, teaser=teaser, hidden=hidden, coffee=coffee)


@pytest.fixture
def heartbeats():
    """Set the jobs' heartbeats: `heartbeats(name=minutes_ago, ...)` (None: never run), every job tracked
    since a day ago unless named; returns the rows by name."""

    def set_beats(default=0, **minutes_ago):
        now = timezone.now()
        track_scheduled_jobs()
        Heartbeat.objects.update(tracked_since=now - dt.timedelta(days=1))
        for row in Heartbeat.objects.all():
            ago = minutes_ago.get(row.name.replace("-", "_"), default)
            when = None if ago is None else now - dt.timedelta(minutes=ago)
            row.last_started = row.last_finished = when
            row.last_outcome = Heartbeat.Outcome.NEVER if when is None else Heartbeat.Outcome.OK
            row.late_alert_sent_at = None
            row.save()
        return Heartbeat.objects.in_bulk(field_name="name")

    return set_beats
