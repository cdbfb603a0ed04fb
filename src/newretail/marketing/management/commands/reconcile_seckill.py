"""``manage.py reconcile_seckill``: the minute task's repairs, on demand (after a Redis restart,
or to see what the task would do)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from newretail.marketing.seckill.reconcile import reconcile_seckill


class Command(BaseCommand):
    help = "Bring seckill stock in Redis and the database back in line with the purchases."

    def add_arguments(self, parser):
        parser.add_argument("--merchant", type=int, default=None, help="only this merchant id")

    def handle(self, *args, **options):
        result = reconcile_seckill(merchant_id=options["merchant"])
        self.stdout.write(
            f"released {result.released} stranded purchases; corrected sold on {result.sold_fixed} items; "
            f"{len(result.redis)} Redis items checked, {result.redis_changes} changes"
        )
        for item_id, repair in sorted(result.redis.items()):
            if repair.dropped or repair.added or repair.left_before != repair.left:
                self.stdout.write(
                    f"  item {item_id}: dropped {repair.dropped}, added {repair.added}, "
                    f"stock {repair.left_before} -> {repair.left}"
                )
