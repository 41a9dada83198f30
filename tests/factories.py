import datetime as dt
import zoneinfo

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils.text import slugify

from events.models import (
    Event,
    EventPartner,
    Membership,
    Organisation,
    OrganisationDomain,
    Session,
    SessionMaterial,
    SessionSpeaker,
    Speaker,
    Topic,
    Venue,
    WebinarSeries,
)

BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.net")
    username = factory.LazyAttribute(lambda user: user.email)
    password = factory.django.Password(DEFAULT_PASSWORD)

    @factory.post_generation
    def verified_email(user, create, extracted, **kwargs):
        """Give the user an allauth address; verified unless `verified_email=False`."""
        if create:
            EmailAddress.objects.create(
                user=user, email=user.email, primary=True, verified=extracted is not False
            )


TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # base32; tests compute codes from it


class StaffFactory(UserFactory):
    """A staff member with an authenticator app set up (staff pages need two-factor authentication)."""

    is_staff = True
    is_superuser = True

    @factory.post_generation
    def totp(user, create, extracted, **kwargs):
        """Set up TOTP with TOTP_SECRET, unless `totp=False`."""
        if create and extracted is not False:
            from allauth.mfa.totp.internal.auth import TOTP

            TOTP.activate(user, TOTP_SECRET)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Organisation.Kind.AFFILIATE


class OrganisationDomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganisationDomain

    organisation = factory.SubFactory(OrganisationFactory)
    domain = factory.Sequence(lambda n: f"affiliate{n}.example.org")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organisation = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory(UserFactory)


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    name = "Herman Tierlinck Building"
    city = "Brussels"
    country = "Belgium"


class WebinarSeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebinarSeries

    title = factory.Sequence(lambda n: f"Webinar series {n}")
    slug = factory.Sequence(lambda n: f"series-{n}")


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.LazyAttribute(lambda topic: slugify(topic.name))


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Annual Conference {n}")
    slug = factory.Sequence(lambda n: f"conference-{n}")
    kind = Event.Kind.CONFERENCE
    status = Event.Status.PUBLISHED
    time_zone = "Europe/Brussels"
    start = dt.datetime(2030, 11, 6, 9, 0, tzinfo=BRUSSELS)
    end = dt.datetime(2030, 11, 7, 16, 30, tzinfo=BRUSSELS)
    venue = factory.SubFactory(VenueFactory)
    summary = "A conference on public procurement and labour rights."

    @factory.post_generation
    def topics(event, create, extracted, **kwargs):
        """`topics=[topic, ...]` files the event under those topics."""
        if create and extracted:
            event.topics.set(extracted)


class WebinarFactory(EventFactory):
    kind = Event.Kind.WEBINAR
    venue = None
    time_zone = "Europe/London"
    secondary_time_zones = ["Europe/Amsterdam"]
    series = factory.SubFactory(WebinarSeriesFactory)
    start = dt.datetime(2030, 6, 17, 10, 0, tzinfo=zoneinfo.ZoneInfo("Europe/London"))
    end = dt.datetime(2030, 6, 17, 11, 0, tzinfo=zoneinfo.ZoneInfo("Europe/London"))


class EventPartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventPartner

    event = factory.SubFactory(EventFactory)
    name = factory.Sequence(lambda n: f"Partner {n}")


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session
        skip_postgeneration_save = True

    event = factory.SubFactory(EventFactory)
    title = factory.Sequence(lambda n: f"Session {n}")
    kind = Session.Kind.PANEL
    start = factory.LazyAttribute(lambda session: session.event.start)
    end = factory.LazyAttribute(lambda session: session.start + dt.timedelta(minutes=90))
    description = factory.Sequence(lambda n: f"Description of session {n}.")
    visibility = Session.Visibility.PUBLIC

    @factory.post_generation
    def capacity(self, create, extracted, **kwargs):
        """SessionFactory(capacity=n): the session's places row (registrations owns capacity)."""
        if create and extracted is not None:
            from registrations.models import SessionPlaces

            SessionPlaces.objects.create(session=self, capacity=extracted)


class SpeakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Speaker

    name = factory.Sequence(lambda n: f"Speaker Name {n}")
    slug = factory.Sequence(lambda n: f"speaker-{n}")
    organisation = "A trade union"


class SessionSpeakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SessionSpeaker

    session = factory.SubFactory(SessionFactory)
    speaker = factory.SubFactory(SpeakerFactory)


class SessionMaterialFactory(factory.django.DjangoModelFactory):
    """A link by default; `file=SimpleUploadedFile(...)` with `url=""` for an uploaded file."""

    class Meta:
        model = SessionMaterial

    session = factory.SubFactory(SessionFactory)
    kind = SessionMaterial.Kind.SLIDES
    title = factory.Sequence(lambda n: f"Material {n}")
    url = factory.Sequence(lambda n: f"https://files.example.org/material-{n}.pdf")


# Registrations. These write rows directly, bypassing registrations.services: they
# neither update RegistrationSettings.confirmed_count nor queue emails. Tests about
# places and emails register through the services instead. Sessions given as
# RegistrationFactory(sessions=[...]) are counted in SessionPlaces.confirmed_count, as the
# services would count them; sessions added later with .sessions.set() or .add() are not.
from django.db.models import F  # noqa: E402
from django.utils import timezone  # noqa: E402

from registrations.models import (  # noqa: E402
    Invitation,
    Question,
    QuestionChoice,
    Registration,
    RegistrationSettings,
    SessionPlaces,
)


class RegistrationSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RegistrationSettings
        django_get_or_create = ("event",)

    event = factory.SubFactory(EventFactory)
    mode = RegistrationSettings.Mode.OPEN


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration
        skip_postgeneration_save = True

    event = factory.SubFactory(EventFactory)
    name = factory.Sequence(lambda n: f"Registrant {n}")
    email = factory.Sequence(lambda n: f"registrant{n}@example.com")
    status = Registration.Status.CONFIRMED
    privacy_consent_at = factory.LazyFunction(timezone.now)
    privacy_notice_version = "1"

    @factory.post_generation
    def sessions(self, create, extracted, **kwargs):
        """Choose the sessions given; a confirmed registration takes a place in each."""
        if not create or not extracted:
            return
        self.sessions.set(extracted)
        if self.status == Registration.Status.CONFIRMED:
            ids = [session.pk for session in extracted]
            SessionPlaces.objects.bulk_create(
                [SessionPlaces(session_id=pk) for pk in ids], ignore_conflicts=True
            )
            SessionPlaces.objects.filter(session__in=ids).update(confirmed_count=F("confirmed_count") + 1)


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    event = factory.SubFactory(EventFactory)
    name = factory.Sequence(lambda n: f"Guest {n}")
    email = factory.Sequence(lambda n: f"guest{n}@example.com")


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question
        skip_postgeneration_save = True

    event = factory.SubFactory(EventFactory)
    label = factory.Sequence(lambda n: f"Question {n}")
    kind = Question.Kind.TEXT
    order = factory.Sequence(lambda n: n)

    @factory.post_generation
    def choices(self, create, extracted, **kwargs):
        """QuestionFactory(choices=["Yes", "No"]) or with (English, Spanish) pairs."""
        if not create or not extracted:
            return
        for order, label in enumerate(extracted):
            english, spanish = label if isinstance(label, tuple) else (label, None)
            QuestionChoice.objects.create(question=self, label_en=english, label_es=spanish, order=order)
