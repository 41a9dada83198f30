import pytest

from events.access import Viewer, is_affiliate, viewer_of
from events.models import Event, Session
from tests import factories
from tests.conftest import make_viewer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("anonymous", Viewer.PUBLIC),
        ("non_affiliate", Viewer.PUBLIC),
        ("member", Viewer.AFFILIATE),
        ("domain_verified", Viewer.AFFILIATE),
        ("domain_unverified", Viewer.PUBLIC),
        ("staff", Viewer.STAFF),
    ],
)
def test_viewer_of_each_kind_of_viewer(kind, expected):
    from django.contrib.auth.models import AnonymousUser

    user = make_viewer(kind) or AnonymousUser()

    assert viewer_of(user) is expected


def test_member_of_inactive_organisation_is_not_affiliate():
    membership = factories.MembershipFactory(organisation__is_active=False)

    assert not is_affiliate(membership.user)


def test_verified_address_on_inactive_organisations_domain_is_not_affiliate():
    domain = factories.OrganisationDomainFactory(organisation__is_active=False)
    user = factories.UserFactory(email=f"a@{domain.domain}")

    assert not is_affiliate(user)


def test_domain_match_is_exact_not_a_suffix():
    factories.OrganisationDomainFactory(domain="union.org")
    user = factories.UserFactory(email="someone@notunion.org")

    assert not is_affiliate(user)


def test_domain_match_ignores_case():
    factories.OrganisationDomainFactory(domain="union.org")
    user = factories.UserFactory(email="Someone@UNION.org")

    assert is_affiliate(user)


def test_monitoring_partner_member_is_affiliate():
    membership = factories.MembershipFactory(organisation__kind="monitoring_partner")

    assert viewer_of(membership.user) is Viewer.AFFILIATE


def test_visible_to_lists_sessions_per_viewer(viewer, conference_with_mixed_sessions):
    c = conference_with_mixed_sessions
    from django.contrib.auth.models import AnonymousUser

    user = viewer.user or AnonymousUser()

    listed = set(Session.objects.visible_to(user))
    in_full = set(Session.objects.visible_to(user, in_full=True))

    if viewer.sees_restricted:
        assert listed == {c.public, c.teaser, c.hidden, c.coffee}
        assert in_full == {c.public, c.teaser, c.hidden, c.coffee}
    else:
        assert listed == {c.public, c.teaser, c.coffee}
        assert in_full == {c.public, c.coffee}


def test_details_visible_to_agrees_with_queryset(viewer, conference_with_mixed_sessions):
    from django.contrib.auth.models import AnonymousUser

    user = viewer.user or AnonymousUser()
    in_full = set(Session.objects.visible_to(user, in_full=True))

    for session in Session.objects.all():
        assert session.details_visible_to(user) == (session in in_full)


def test_draft_events_and_their_sessions_are_for_staff_only(viewer):
    draft_session = factories.SessionFactory(event__status=Event.Status.DRAFT)
    from django.contrib.auth.models import AnonymousUser

    user = viewer.user or AnonymousUser()
    expected = [draft_session] if viewer.kind == "staff" else []

    assert list(Session.objects.visible_to(user)) == expected
    assert list(Event.objects.visible_to(user)) == ([draft_session.event] if viewer.kind == "staff" else [])
