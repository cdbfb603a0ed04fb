from django.core.management.base import BaseCommand

from newretail.demo import build


class Command(BaseCommand):
    help = "Load the demo chain (idempotent). --scale adds large generated data for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--scale", action="store_true", help="also generate large data (100k SKUs)")
        parser.add_argument("--skus", type=int, default=100_000, help="SKU count for --scale")
        parser.add_argument(
            "--members", type=int, default=0, help="with --scale: generated members (e.g. 1000000)"
        )
        parser.add_argument(
            "--order-lines",
            type=int,
            default=0,
            help="with --scale: generated order lines of history (e.g. 10000000)",
        )

    def handle(self, *args, **options):
        log = self.stdout.write
        build.load_demo(log=log)
        if options["scale"]:
            build.build_scale(skus=options["skus"], log=log)
            if options["members"] or options["order_lines"]:
                from newretail.members.scale import generate_scale_members
                from newretail.tenancy.models import Merchant

                merchant = Merchant.objects.get(slug=build.DEMO_SLUG)
                generate_scale_members(
                    merchant, members=options["members"], order_lines=options["order_lines"], log=log
                )
