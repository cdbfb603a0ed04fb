from django.conf import settings
from django.core.management.base import BaseCommand

from newretail.tenancy.roledoc import render_roles_markdown


class Command(BaseCommand):
    help = "Write docs/roles.md from the role definitions in tenancy/roles.py."

    def handle(self, *args, **options):
        path = settings.PROJECT_DIR / "docs" / "roles.md"
        path.write_text(render_roles_markdown(), encoding="utf-8")
        self.stdout.write(f"wrote {path}")
