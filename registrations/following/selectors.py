"""Reads of series followers: by their tokens, the active ones, how many."""

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from registrations.models import SeriesFollower


def follower_for_confirm_token(token):
    """The follower whose confirm token is `token`, with their series; or None (long random tokens)."""
    return SeriesFollower.objects.select_related("series").filter(confirm_token=token).first()


def follower_for_unsubscribe_token(token):
    """The follower whose unsubscribe token is `token`, with their series; or None."""
    return SeriesFollower.objects.select_related("series").filter(unsubscribe_token=token).first()


def active_followers(series_id):
    """The confirmed, not unsubscribed followers of series `series_id`, oldest first."""
    return SeriesFollower.objects.filter(
        series_id=series_id, confirmed_at__isnull=False, unsubscribed_at__isnull=True
    ).order_by("confirmed_at", "pk")


def with_follower_counts(series_queryset):
    """`series_queryset` with `follower_total`: its active followers, counted in the same query.

    A subquery, not a join: a join would multiply other counts the queryset makes (its webinars).
    """
    counts = (
        SeriesFollower.objects.filter(
            series=OuterRef("pk"), confirmed_at__isnull=False, unsubscribed_at__isnull=True
        )
        .order_by()
        .values("series")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return series_queryset.annotate(follower_total=Coalesce(Subquery(counts, output_field=IntegerField()), 0))
