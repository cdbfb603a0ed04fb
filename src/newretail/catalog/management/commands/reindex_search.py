"""Rebuild the catalog search index: ``manage.py reindex_search [--merchant SLUG_OR_ID ...]``.

Run it after an upgrade that changes how tokens are made, or if the index is suspected to be
out of step (the actions keep it in step on every write)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from newretail.catalog.search import reindex_merchant
from newretail.tenancy.models import Merchant


class Command(BaseCommand):
    help = "Rebuild catalog search tokens for every merchant, or the ones given."

    def add_arguments(self, parser):
        parser.add_argument(
            "--merchant", action="append", default=[], help="merchant slug or id (repeatable)"
        )

    def handle(self, *args, **options):
        merchants = Merchant.objects.order_by("pk")
        wanted = options["merchant"]
        if wanted:
            ids = [int(v) for v in wanted if v.isdigit()]
            slugs = [v for v in wanted if not v.isdigit()]
            merchants = merchants.filter(pk__in=ids) | merchants.filter(slug__in=slugs)
            if merchants.count() != len(set(wanted)):
                raise CommandError(f"unknown merchant among {wanted}")
        for merchant in merchants:
            with transaction.atomic():
                written = reindex_merchant(merchant.pk)
            self.stdout.write(f"{merchant.slug}: {written} tokens")
