from django.core.management.base import BaseCommand

from newretail.demo import build


class Command(BaseCommand):
    help = "Load the demo chain (idempotent). --scale adds large generated data for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--scale", action="store_true", help="also generate large data (100k SKUs)")
        parser.add_argument("--skus", type=int, default=100_000, help="SKU count for --scale")

    def handle(self, *args, **options):
        log = self.stdout.write
        build.load_demo(log=log)
        if options["scale"]:
            build.build_scale(skus=options["skus"], log=log)
