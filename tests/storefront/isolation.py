"""Decoration's part of the tenant isolation test (tests/test_isolation.py): a published home page
per world and the console routes that address its page and version."""

from __future__ import annotations

from newretail.storefront.decoration import actions, images
from tests.orders.isolation import png_upload


def build(owner, world: dict) -> dict:
    page = actions.home_page(actor=owner)
    actions.save_draft(actor=owner, page_id=page.pk, content={"blocks": [{"id": "b1", "type": "search"}]})
    version = actions.publish_page(actor=owner, page_id=page.pk)
    picture = images.upload_mall_image(actor=owner, upload=png_upload())
    return {"mall_page": page, "mall_page_version": version, "mall_image": picture}


CONSOLE_OBJECTS: dict[str, str] = {
    "decoration_editor": "mall_page",
    "decoration_preview": "mall_page",
    "decoration_starter": "mall_page",
    "decoration_versions": "mall_page",
    "decoration_version_preview": "mall_page_version",
    "decoration_rollback": "mall_page_version",
    "decoration_image_delete": "mall_image",
}
