from django.conf import settings

from newretail.tenancy.roledoc import render_roles_markdown


def test_docs_roles_md_matches_the_code():
    documented = (settings.PROJECT_DIR / "docs" / "roles.md").read_text(encoding="utf-8")
    assert documented == render_roles_markdown(), "run `manage.py document_roles` and commit docs/roles.md"
