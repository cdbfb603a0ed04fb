"""The decoration image library (素材库): pictures are checked by content, kept per merchant, and
only staff who may decorate can add or remove them."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from newretail.core.testing import PASSWORD, make_staff
from newretail.storefront.models import MallImage
from newretail.tenancy.roles import Role
from tests.orders.isolation import png_upload

pytestmark = pytest.mark.django_db


def _console(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_upload_lists_the_picture_with_its_address_and_delete_removes_it(owner):
    console = _console(owner)
    response = console.post(reverse("console:decoration_images"), {"image": png_upload()})
    assert response.status_code == 302
    image = MallImage.objects.get(merchant_id=owner.merchant_id)
    assert image.image.name.endswith(".png") and f"m{owner.merchant_id}" in image.image.name
    page = console.get(reverse("console:decoration_images")).content.decode()
    assert image.image.url in page
    console.post(reverse("console:decoration_image_delete", args=[image.pk]))
    assert not MallImage.objects.exists()


def test_a_file_that_is_not_a_picture_is_refused_whatever_its_name(owner):
    console = _console(owner)
    fake = SimpleUploadedFile("banner.png", b"<script>alert(1)</script>", content_type="image/png")
    response = console.post(reverse("console:decoration_images"), {"image": fake}, follow=True)
    assert "banner.png" in response.content.decode()  # the message names the file
    assert not MallImage.objects.exists()


def test_a_cashier_cannot_upload(owner, store):
    cashier = make_staff(owner, Role.CASHIER, stores=[store])
    response = _console(cashier).post(reverse("console:decoration_images"), {"image": png_upload()})
    assert response.status_code == 403
    assert not MallImage.objects.exists()
