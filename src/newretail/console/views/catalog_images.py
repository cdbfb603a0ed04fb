"""Console pages for product pictures."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from newretail.catalog.actions import images as image_actions
from newretail.catalog.models import Product, ProductImage
from newretail.console.decorators import console_view
from newretail.core.errors import DomainError
from newretail.core.tenancy import get_owned
from newretail.tenancy.roles import Perm


class ImageUploadForm(forms.Form):
    image = forms.FileField(
        label=gettext_lazy("Picture"),
        help_text=gettext_lazy("JPEG, PNG or WebP, at most 5 MB; the first picture is the main one."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )


@console_view(Perm.CATALOG_MANAGE)
def product_images(request, pk: int):
    product = get_owned(Product, request.user.merchant_id, pk=pk, is_deleted=False)
    form = ImageUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            image_actions.add_product_image(
                actor=request.user, product_id=product.pk, upload=form.cleaned_data["image"]
            )
        except DomainError as error:
            form.add_error("image", error.message)
        else:
            messages.success(request, _("Picture added."))
            return redirect("console:product_images", pk=product.pk)
    images = ProductImage.objects.for_merchant(request.user.merchant_id).filter(product=product)
    return render(
        request, "console/catalog/product_images.html", {"product": product, "images": images, "form": form}
    )


@console_view(Perm.CATALOG_MANAGE)
@require_POST
def product_image_delete(request, pk: int):
    image = get_owned(ProductImage, request.user.merchant_id, pk=pk)
    image_actions.remove_product_image(actor=request.user, image_id=image.pk)
    messages.success(request, _("Picture removed."))
    return redirect("console:product_images", pk=image.product_id)


@console_view(Perm.CATALOG_MANAGE)
@require_POST
def product_image_main(request, pk: int):
    image = image_actions.make_main_image(actor=request.user, image_id=pk)
    return redirect("console:product_images", pk=image.product_id)


urlpatterns = [
    path("products/<int:pk>/images/", product_images, name="product_images"),
    path("product-images/<int:pk>/delete/", product_image_delete, name="product_image_delete"),
    path("product-images/<int:pk>/main/", product_image_main, name="product_image_main"),
]
