"""Registration pages. Thin: reads come from selectors, writes from services."""

import copy
import functools
import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from events.calendar import google_calendar_url, outlook_calendar_url
from events.selectors import event_for
from events.times import date_pattern, zone_label
from ewevents.errors import too_many_requests
from ewevents.http_cache import not_modified
from ewevents.site import absolute_url

from . import door_code
from .models import RegistrationSettings
from .privacy import retention
from .signup import abuse, emails, feeds, link_requests, offers, selectors, services, time_zones
from .signup.forms import ManageLinkRequestForm, RegistrationForm

# The outcome of the last registration, in a signed cookie for the "check your email" page only,
# so that its URL carries neither the address nor the status and no session is stored for it.
DONE_COOKIE = "registration_done"
DONE_COOKIE_MAX_AGE = 30 * 60


def _event_or_404(slug, user):
    event = event_for(slug, user)
    if event is None:
        raise Http404
    return event


def _registration_or_404(token):
    registration = selectors.registration_for_token(token)
    if registration is None:
        raise Http404
    return registration


def _make_private(response):
    patch_cache_control(response, private=True, no_store=True)
    # The token's URL goes to no other site. Not "no-referrer": with it, browsers send
    # "Origin: null" with the page's own forms, and CSRF protection refuses them.
    response["Referrer-Policy"] = "same-origin"
    return response


def _private(view):
    """Keep pages reached by a manage token out of caches and Referer headers."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        return _make_private(view(request, *args, **kwargs))

    return wrapped


def _private_if_invited(view):
    """Keep pages reached by a personal invitation link out of caches and Referer headers too."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        return _make_private(response) if _invitation_token(request) else response

    return wrapped


def _closed(request, event, registration_settings, now):
    not_yet_open = registration_settings.opens_at is not None and now < registration_settings.opens_at
    context = {"event": event, "not_yet_open": not_yet_open}
    if not_yet_open:
        opens_at = registration_settings.opens_at
        local = opens_at.astimezone(event.tz)
        context["opens_at_text"] = (
            f"{date_format(local, date_pattern('l j F Y, G:i'))} {zone_label(event.time_zone, opens_at)}"
        )
    return render(request, "registrations/closed.html", context)


def _invitation_only(request, event):
    # 403: without a valid personal link the form is not for this visitor; a page, not an error.
    return render(request, "registrations/invitation_only.html", {"event": event}, status=403)


def _invitation_token(request):
    """The personal invitation token: the form's hidden field on POST, else the link's ?invitation=."""
    if request.method == "POST" and request.POST.get("invitation_token"):
        return request.POST["invitation_token"]
    return request.GET.get("invitation", "")


def _register(request, event, form, registration_settings, now):
    """Register from a valid `form`; return the Outcome to show, or None after adding a form error."""
    data = form.cleaned_data
    user = request.user if request.user.is_authenticated else None
    try:
        return services.register_with_outcome(
            event=event, data=data, user=user, now=now, registration_settings=registration_settings
        )[1]
    except services.AlreadyRegistered as exc:
        # Show what a new registration would see; only the email to the address tells, written
        # by a task so that this answer takes no longer than a new registration's.
        link_requests.request_manage_link(registration=exc.registration)
        return selectors.outcome_for_new_registration(
            event, data.get("sessions") or [], registration_settings=registration_settings
        )
    except services.InvalidInvitationCode:
        if registration_settings.mode == RegistrationSettings.Mode.GUEST_LIST:
            raise  # No field to show it beside: the view shows the invitation-only page.
        form.add_error("invitation_code", _("This invitation code is not valid for this event."))
        return None


@_private_if_invited
@require_http_methods(["GET", "POST"])
def register(request, slug):
    event = _event_or_404(slug, request.user)
    registration_settings = selectors.registration_settings_for(event)
    now = timezone.now()
    if not registration_settings.is_open(now):
        return _closed(request, event, registration_settings, now)
    invitation = None
    if registration_settings.mode == RegistrationSettings.Mode.GUEST_LIST:
        invitation = selectors.invitation_for(event, _invitation_token(request))
        if invitation is None:
            return _invitation_only(request, event)
    if refused := _over_rate_limit(request, event):
        return refused
    form = RegistrationForm(
        request.POST if request.method == "POST" else None,
        event=event,
        user=request.user,
        registration_settings=registration_settings,
        invitation=invitation,
    )
    if form.is_valid():
        return _registered(request, event, form, registration_settings, now) or _form_page(request, form)
    return _form_page(request, form)


def _over_rate_limit(request, event):
    """The 429 page when this registration POST takes its client over the limit, else None."""
    wait = request.method == "POST" and abuse.over_rate_limit(request, event)
    return too_many_requests(request, retry_after=wait, context={"event": event}) if wait else None


def _registered(request, event, form, registration_settings, now):
    """Register from the valid `form`; the response to send, or None to show the form with its errors."""
    try:
        outcome = _register(request, event, form, registration_settings, now)
    except services.RegistrationClosed:
        return _closed(request, event, registration_settings, timezone.now())
    except services.InvalidInvitationCode:
        return _invitation_only(request, event)
    if outcome is None:
        return None
    # The titles of the full sessions: the person chose them from the form, so may see them.
    chosen = form.cleaned_data.get("sessions") or []
    waiting = [session.title for session in chosen if session.pk in outcome.waiting]
    done = {
        "event": event.slug,
        "email": form.cleaned_data["email"],
        "status": outcome.status,
        "waiting": waiting,
    }
    return _with_done(redirect("registrations:register_done", slug=event.slug), done)


def _with_done(response, done):
    """`response` carrying `done` in the DONE_COOKIE, for the "check your email" page it leads to."""
    response.set_signed_cookie(
        DONE_COOKIE,
        json.dumps(done),
        salt=DONE_COOKIE,
        max_age=DONE_COOKIE_MAX_AGE,
        path=response.url,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def _done_of(request, event):
    """What the last registration for `event` from this browser got (its DONE_COOKIE), or None."""
    try:
        done = json.loads(
            request.get_signed_cookie(DONE_COOKIE, salt=DONE_COOKIE, max_age=DONE_COOKIE_MAX_AGE)
        )
    except (KeyError, signing.BadSignature, ValueError):
        return None
    return done if isinstance(done, dict) and done.get("event") == event.slug else None


def _form_page(request, form):
    context = {"event": form.event, "form": form, "registration_settings": form.registration_settings}
    return render(request, "registrations/register.html", context)


@require_GET
def register_done(request, slug):
    event = _event_or_404(slug, request.user)
    done = _done_of(request, event)
    if done is None:
        return redirect("registrations:register", slug=event.slug)
    # No manage link here: whoever sent the form sees this page, and the address may not be theirs
    # (or may have been registered before). The link goes only to the address, by email.
    context = {
        "event": event,
        "email": done["email"],
        "status": done["status"],
        "waiting_titles": done.get("waiting", []),
        "google_calendar_url": google_calendar_url(event, build_url=absolute_url),
        "outlook_calendar_url": outlook_calendar_url(event, build_url=absolute_url),
    }
    return render(request, "registrations/register_done.html", context)


@login_required
@require_GET
def my_registrations(request):
    registrations = selectors.registrations_of(request.user)
    feed_url = feeds.feed_url(feeds.calendar_feed_for(request.user))
    context = {"registrations": registrations, "feed_url": feed_url, "webcal_url": feeds.webcal_url(feed_url)}
    return _make_private(render(request, "registrations/my_registrations.html", context))


@login_required
@require_POST
def reset_calendar_feed(request):
    feeds.reset_calendar_feed(user=request.user)
    messages.success(request, _("Your calendar feed has a new address. The old one no longer works."))
    return redirect("registrations:mine")


def _revalidated(view):
    """Like `_private`, but the client may keep the answer if it asks again before using it.

    For the personal feed: calendar apps poll it every few minutes with the ETag they kept,
    and a 304 spares building it. `private` keeps it out of shared caches; `no-cache` makes
    the client ask each time, so a reset link stops working at once (README, "HTTP caching").
    """

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        patch_cache_control(response, private=True, no_cache=True)
        response["Referrer-Policy"] = "same-origin"
        return response

    return wrapped


@_revalidated
@require_GET
def personal_feed(request, token):
    # A calendar app polling an unchanged feed: answered from the cache, without a query.
    kept = feeds.kept_feed_etag(token)
    if kept and (unchanged := not_modified(request, kept)):
        return unchanged
    user = feeds.feed_owner(token)
    if user is None:
        raise Http404
    etag = feeds.feed_etag(user, token=token)
    if etag and (unchanged := not_modified(request, etag)):
        return unchanged
    content = feeds.personal_calendar(user, build_url=absolute_url)
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    if etag:
        response["ETag"] = etag
    return response


def _form_owner(registration):
    # The token stands for the registrant, whoever opened the link: the sessions offered and
    # accepted are those their account may see, or an anonymous guest's.
    return registration.user if registration.user_id else AnonymousUser()


@_private
@require_http_methods(["GET", "POST"])
def manage(request, token):
    registration = _registration_or_404(token)
    form = None
    if registration.is_active:
        # The form sets its answers on the instance while validating: give it a copy,
        # so a form with errors doesn't show unsaved answers as the registration's.
        form = RegistrationForm(
            request.POST if request.method == "POST" else None,
            instance=copy.copy(registration),
            event=registration.event,
            user=_form_owner(registration),
        )
        if form.is_valid() and _changed(request, registration, form):
            return redirect("registrations:manage", token=token)
    return render(request, "registrations/manage.html", _manage_context(registration, form))


def _manage_context(registration, form):
    return {
        "registration": registration,
        "event": registration.event,
        "form": form,
        "choices": selectors.choices_with_positions(registration),
        "offer_until": selectors.offer_deadline(registration),
        "door_code": door_code.shown_code(registration),
        "time_zone_label": _time_zone_label(registration),
    }


def _time_zone_label(registration):
    zone = registration.time_zone
    if zone and time_zones.listed(zone) == zone:
        return time_zones.label(zone, registration.event.start)
    return zone


@_private
@require_GET
def manage_ics(request, token):
    """The calendar file of the sessions this registration holds; only a confirmed one holds any."""
    registration = _registration_or_404(token)
    content = emails.own_calendar(registration)
    if content is None:
        raise Http404
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{registration.event.slug}-my-sessions.ics"'
    return response


def _changed(request, registration, form):
    """Save the valid `form`'s changes and say so."""
    services.change_registration(registration=registration, data=form.cleaned_data)
    messages.success(request, _("Your changes are saved. We have sent you an email about them."))
    return True


@_private
@require_http_methods(["GET", "POST"])
def cancel(request, token):
    registration = _registration_or_404(token)
    if not registration.is_active:
        return redirect("registrations:manage", token=token)
    if request.method == "POST":
        registration = services.cancel_registration(registration=registration)
        return render(request, "registrations/cancelled.html", {"registration": registration})
    return render(request, "registrations/cancel.html", {"registration": registration})


@_private
@require_POST
def accept_offer(request, token):
    registration = _registration_or_404(token)
    try:
        offers.accept(registration=registration)
    except offers.NothingToAccept:
        messages.error(request, _("No place is held for you now: the time to accept it may be up."))
    else:
        messages.success(request, _("The place is yours. We have sent you an email with the details."))
    return redirect("registrations:manage", token=token)


@_private
@require_http_methods(["GET", "POST"])
def delete_data(request, token):
    registration = _registration_or_404(token)
    if request.method == "POST":
        event = registration.event
        retention.delete_registration_data(registration=registration)
        return render(request, "registrations/data_deleted.html", {"event": event})
    return render(request, "registrations/delete_data.html", {"registration": registration})


@require_GET
def privacy(request):
    context = {
        "version": settings.PRIVACY_NOTICE_VERSION,
        "retention_days": settings.REGISTRATION_RETENTION_DAYS,
    }
    return render(request, "registrations/privacy.html", context)


LINK_SENT_SESSION_KEY = "registrations.manage_link_sent"


@require_http_methods(["GET", "POST"])
def request_manage_link(request):
    """Email the manage links of an address's registrations; the page never says whether there are any."""
    form = ManageLinkRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        wait = abuse.over_link_request_limit(request, email)
        if wait:
            return too_many_requests(request, retry_after=wait)
        # The lookup and the email are the task's: this answer takes as long for any address.
        link_requests.request_manage_links(email=email)
        request.session[LINK_SENT_SESSION_KEY] = email
        return redirect("registrations:manage_link_sent")
    return render(request, "registrations/request_manage_link.html", {"form": form})


@require_GET
def manage_link_sent(request):
    email = request.session.get(LINK_SENT_SESSION_KEY)
    if not email:
        return redirect("registrations:request_manage_link")
    return render(request, "registrations/manage_link_sent.html", {"email": email})
