"""``manage.py check_ledgers [--fix] [--ledger NAME]``: rebuild every cached balance from its
ledger and print each difference (merchant, key, cached, ledger). Exits 1 if any difference is
left; ``--fix`` rewrites the caches from the ledgers first.

Checkers come from the registry in ``newretail.core.ledgers``; each domain registers its own
from its AppConfig.ready() (stock: inventory/ledger_check.py).
"""

from django.core.management.base import BaseCommand, CommandError

from newretail.core.ledgers import CHECKERS, find_differences, fix_differences


class Command(BaseCommand):
    help = "Compare cached balances (stock levels, …) with their ledgers; --fix rewrites the caches."

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="rewrite the cached balances from the ledgers")
        parser.add_argument(
            "--ledger", action="append", choices=sorted(CHECKERS), help="check only this ledger (repeatable)"
        )

    def handle(self, *args, fix: bool = False, ledger: list[str] | None = None, **options):
        differences = find_differences(ledger)
        for difference in differences:
            self.stdout.write(difference.describe())
        if differences and fix:
            fixed = fix_differences(differences)
            self.stdout.write(f"fixed {fixed} of {len(differences)} difference(s)")
            differences = find_differences(ledger)
            for difference in differences:
                self.stdout.write(f"still different: {difference.describe()}")
        if differences:
            raise CommandError(f"{len(differences)} ledger difference(s)", returncode=1)
        self.stdout.write(self.style.SUCCESS("ledgers match their caches"))
