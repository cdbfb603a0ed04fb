import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from newretail.catalog.actions.images import (
    MAX_IMAGES,
    add_product_image,
    make_main_image,
    remove_product_image,
)
from newretail.catalog.models import ProductImage
from newretail.core.errors import DomainError
from newretail.core.testing import make_staff, make_store
from newretail.tenancy.roles import Role

from .conftest import png_bytes

pytestmark = pytest.mark.django_db


def upload(name="photo.png", content=None):
    return SimpleUploadedFile(name, png_bytes() if content is None else content, content_type="image/png")


def test_pictures_are_added_in_order_and_the_main_one_can_change(owner, coke):
    first = add_product_image(actor=owner, product_id=coke.pk, upload=upload())
    second = add_product_image(actor=owner, product_id=coke.pk, upload=upload("second.png"))
    assert list(coke.images.all()) == [first, second]
    assert first.image.name.endswith(".png") and "photo" not in first.image.name  # stored name is ours
    make_main_image(actor=owner, image_id=second.pk)
    assert list(coke.images.all()) == [second, first]
    remove_product_image(actor=owner, image_id=second.pk)
    assert list(coke.images.all()) == [first]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("evil.png", b"<script>alert(1)</script>"),
        ("truncated.png", png_bytes()[:40]),
        ("x.gif", b"GIF89a" + b"\0" * 30),
    ],
)
def test_files_that_are_not_pictures_are_refused(owner, coke, name, content):
    with pytest.raises(DomainError) as exc:
        add_product_image(actor=owner, product_id=coke.pk, upload=upload(name, content))
    assert exc.value.code == "catalog.image_invalid"
    assert not ProductImage.objects.exists()


def test_at_most_ten_pictures(owner, coke):
    for _ in range(MAX_IMAGES):
        add_product_image(actor=owner, product_id=coke.pk, upload=upload())
    with pytest.raises(DomainError) as exc:
        add_product_image(actor=owner, product_id=coke.pk, upload=upload())
    assert exc.value.code == "catalog.too_many_images"


def test_cashier_cannot_add_pictures(owner, coke):
    cashier = make_staff(owner, Role.CASHIER, stores=[make_store(owner)])
    with pytest.raises(DomainError) as exc:
        add_product_image(actor=cashier, product_id=coke.pk, upload=upload())
    assert exc.value.code == "permission_denied"


def test_console_upload_shows_the_picture_and_the_shop_api_lists_it(client, owner, coke, merchant):
    client.force_login(owner)
    response = client.post(reverse("console:product_images", args=[coke.pk]), {"image": upload()})
    assert response.status_code == 302
    image = coke.images.get()
    page = client.get(reverse("console:product_images", args=[coke.pk])).content.decode()
    assert image.image.url in page
    bad = client.post(
        reverse("console:product_images", args=[coke.pk]), {"image": upload("x.png", b"not a picture")}
    )
    assert bad.status_code == 200 and "不是 JPEG、PNG 或 WebP 图片" in bad.content.decode()
    shop = client.get(f"/api/v1/shop/{merchant.slug}/products/{coke.pk}").json()
    assert shop["images"] == [image.image.url]
