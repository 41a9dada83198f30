"""Load the demo data: the seed conference and webinars, upcoming demo events, demo logins."""

from django.core.management.base import BaseCommand

from events.demo import load_demo, resolve_password


class Command(BaseCommand):
    help = (
        "Create or update the demo data (idempotent) and print the demo logins. "
        "The password comes from --password, else $DEMO_PASSWORD, else is generated."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password", help="Password for the demo users (default: $DEMO_PASSWORD or random)."
        )
        parser.add_argument(
            "--site-url",
            help="The address the site serves, for the printed login link (default: SITE_URL).",
        )

    def handle(self, *args, password=None, site_url=None, **options):
        load_demo(password=resolve_password(password), stdout=self.stdout, site_url=site_url)
