"""Console pages for the catalog: products (list with search, filters and bulk on/off sale;
create/edit with an SKU table; detail; delete), store prices per SKU, categories, brands, tags.
Views parse input, call one action or query and render; domain errors show inline."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from newretail.catalog.actions import brands as brand_actions
from newretail.catalog.actions import categories as category_actions
from newretail.catalog.actions import prices as price_actions
from newretail.catalog.actions import products as product_actions
from newretail.catalog.models import Brand, Category, Product, Sku, Tag, Unit
from newretail.catalog.queries import (
    SearchFilters,
    category_tree,
    flatten_tree,
    live_skus,
    product_detail,
    product_list,
    store_prices_for_sku,
)
from newretail.console.decorators import console_view
from newretail.console.forms.catalog import (
    BrandForm,
    CategoryForm,
    ProductForm,
    SkuRowForm,
    StorePriceForm,
    TagForm,
    category_choices,
    sku_formset,
    yuan_text,
)
from newretail.console.paging import paginate
from newretail.console.widgets import register_dashboard
from newretail.core.errors import CoreError, DomainError
from newretail.core.models import AuditEntry
from newretail.core.tenancy import get_owned
from newretail.tenancy.access import scoped_stores
from newretail.tenancy.models import User
from newretail.tenancy.roles import Perm

PAGE_SIZE = 50
SKU_PREFIX = "skus"


def catalog_stats(actor: User) -> list[dict]:
    if not actor.has_perm_code(Perm.CATALOG_VIEW):
        return []
    products = Product.objects.for_merchant(actor.merchant_id).filter(is_deleted=False)
    return [
        {
            "label": gettext_lazy("Products"),
            "value": products.count(),
            "url": reverse("console:product_list"),
        },
        {
            "label": gettext_lazy("Products on sale"),
            "value": products.filter(status=Product.Status.ON_SALE).count(),
        },
        {"label": gettext_lazy("SKUs"), "value": live_skus(actor.merchant_id).count()},
    ]


register_dashboard(catalog_stats)


def _int_or_none(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 0 < number < 2**63 else None


# --- products --------------------------------------------------------------------------------


@console_view(Perm.CATALOG_VIEW)
def product_list_view(request):
    merchant_id = request.user.merchant_id
    if request.method == "POST":
        return _bulk_status(request)
    q = request.GET.get("q", "").strip()[:100]
    status = request.GET.get("status", "")
    channel = request.GET.get("channel", "")
    filters = SearchFilters(
        channel=channel if channel in ("mall", "pos") else None,
        status=status if status in Product.Status.values else None,
        category_id=_int_or_none(request.GET.get("category")),
        brand_id=_int_or_none(request.GET.get("brand")),
    )
    # product_list returns one page and the total; a Paginator over range(total) gives the
    # pagination partial its numbers without loading the rows.
    number = min(_int_or_none(request.GET.get("page")) or 1, 10_000)
    products, total = product_list(
        merchant_id, q=q, filters=filters, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
    )
    page_obj = Paginator(range(total), PAGE_SIZE).get_page(number)
    if page_obj.number != number and total:
        products, total = product_list(
            merchant_id, q=q, filters=filters, limit=PAGE_SIZE, offset=(page_obj.number - 1) * PAGE_SIZE
        )
    params = request.GET.copy()
    params.pop("page", None)
    encoded = params.urlencode()
    context = {
        "products": products,
        "total": total,
        "page_obj": page_obj,
        "querystring_without_page": f"{encoded}&" if encoded else "",
        "q": q,
        "filters": filters,
        "status": status,
        "channel": channel,
        "categories": category_choices(merchant_id),
        "brands": Brand.objects.for_merchant(merchant_id).order_by("name"),
        "statuses": Product.Status.choices,
        "can_manage": request.user.has_perm_code(Perm.CATALOG_MANAGE),
        "return_query": request.GET.urlencode(),
    }
    return render(request, "console/catalog/product_list.html", context)


def _bulk_status(request):
    action = request.POST.get("action")
    ids = [pk for pk in (_int_or_none(v) for v in request.POST.getlist("ids")) if pk]
    back = reverse("console:product_list")
    query = request.POST.get("return_query", "")
    if query:
        back = f"{back}?{query}"
    if action not in ("on_sale", "off_sale") or not ids:
        messages.error(request, _("Select products and an action first."))
        return redirect(back)
    changed = product_actions.set_on_sale(actor=request.user, product_ids=ids, on_sale=action == "on_sale")
    if action == "on_sale":
        messages.success(request, _("%(count)d products put on sale.") % {"count": changed})
    else:
        messages.success(request, _("%(count)d products taken off sale.") % {"count": changed})
    return redirect(back)


def _apply_error(form, formset, error: DomainError, row_forms: list[int]) -> None:
    """Put a domain error next to the input it is about (a SKU row's field when it says)."""
    index = error.params.get("sku_index")
    if formset is not None and isinstance(index, int) and 0 <= index < len(row_forms):
        row = formset.forms[row_forms[index]]
        field = error.params.get("field")
        row.add_error(field if field in row.fields else None, error.message)
        return
    if error.code == CoreError.PERMISSION_DENIED.code:
        form.add_error(None, _("Changing list prices or cost needs the “change list prices” permission."))
        return
    form.add_error(None, error.message)


def _product_form_context(form, formset, product=None) -> dict:
    return {
        "form": form,
        "formset": formset,
        "product": product,
        "sku_prefix": SKU_PREFIX,
    }


def _bind_formset(request, form, *, extra: int, initial=None):
    spec_names = form.cleaned_data.get("spec_names", []) if form.is_valid() else []
    sold_by_weight = form.is_valid() and form.cleaned_data.get("unit") == Unit.KG
    formset_class = sku_formset(extra=extra)
    return formset_class(
        request.POST, initial=initial, prefix=SKU_PREFIX, spec_names=spec_names, sold_by_weight=sold_by_weight
    )


@console_view(Perm.CATALOG_MANAGE)
def product_create(request):
    merchant_id = request.user.merchant_id
    if request.method != "POST":
        initial = {}
        category = _int_or_none(request.GET.get("category"))
        if category:
            initial["category"] = category
        form = ProductForm(initial=initial, merchant_id=merchant_id)
        formset = sku_formset(extra=0)(prefix=SKU_PREFIX)
        return render(request, "console/catalog/product_form.html", _product_form_context(form, formset))
    form = ProductForm(request.POST, merchant_id=merchant_id)
    formset = _bind_formset(request, form, extra=0)
    formset_ok = formset.is_valid()
    if form.is_valid() and formset_ok:
        row_forms = [index for index, _row in formset.payload]
        try:
            product = product_actions.create_product(
                actor=request.user, skus=[row for _index, row in formset.payload], **form.action_fields()
            )
        except DomainError as error:
            _apply_error(form, formset, error, row_forms)
        else:
            messages.success(request, _("Product %(name)s created.") % {"name": product.name})
            return redirect("console:product_detail", pk=product.pk)
    return render(
        request, "console/catalog/product_form.html", _product_form_context(form, formset), status=200
    )


@console_view(Perm.CATALOG_MANAGE)
def product_edit(request, pk: int):
    merchant_id = request.user.merchant_id
    product = product_detail(merchant_id, pk)
    initial_rows = [SkuRowForm.initial_for(sku, product.spec_names or []) for sku in product.live_skus]
    if request.method != "POST":
        form = ProductForm(
            initial={
                "name": product.name,
                "subtitle": product.subtitle,
                "category": product.category_id,
                "brand": product.brand_id,
                "unit": product.unit,
                "spec_names": ", ".join(product.spec_names or []),
                "status": product.status,
                "available_in_mall": product.available_in_mall,
                "available_in_pos": product.available_in_pos,
                "on_sale_from": product.on_sale_from,
                "on_sale_until": product.on_sale_until,
                "tags": [t.pk for t in product.tags.all()],
                "description": product.description,
            },
            merchant_id=merchant_id,
        )
        formset = sku_formset(extra=0)(initial=initial_rows, prefix=SKU_PREFIX)
        return render(
            request, "console/catalog/product_form.html", _product_form_context(form, formset, product)
        )
    form = ProductForm(request.POST, merchant_id=merchant_id)
    formset = _bind_formset(request, form, extra=0, initial=initial_rows)
    formset_ok = formset.is_valid()
    if form.is_valid() and formset_ok:
        row_forms = [index for index, _row in formset.payload]
        try:
            product_actions.update_product(
                actor=request.user,
                product_id=product.pk,
                skus=[row for _index, row in formset.payload],
                remove_sku_ids=formset.removed_ids,
                **form.action_fields(),
            )
        except DomainError as error:
            _apply_error(form, formset, error, row_forms)
        else:
            messages.success(request, _("Product %(name)s saved.") % {"name": form.cleaned_data["name"]})
            return redirect("console:product_detail", pk=product.pk)
    return render(request, "console/catalog/product_form.html", _product_form_context(form, formset, product))


@console_view(Perm.CATALOG_VIEW)
def product_detail_view(request, pk: int):
    merchant_id = request.user.merchant_id
    product = product_detail(merchant_id, pk)
    sku_ids = [str(sku.pk) for sku in product.live_skus]
    history = []
    if request.user.has_perm_code(Perm.AUDIT_VIEW) and sku_ids:
        history = list(
            AuditEntry.objects.for_merchant(merchant_id)
            .filter(object_type="catalog.sku", object_id__in=sku_ids, action__startswith="catalog.")
            .select_related("actor")[:20]
        )
    context = {
        "product": product,
        "history": history,
        "can_manage": request.user.has_perm_code(Perm.CATALOG_MANAGE),
        "show_cost": request.user.has_perm_code(Perm.CATALOG_PRICE),
        "can_store_price": request.user.has_perm_code(Perm.STORE_PRICE),
    }
    return render(request, "console/catalog/product_detail.html", context)


@console_view(Perm.CATALOG_MANAGE)
def product_delete(request, pk: int):
    product = get_owned(Product, request.user.merchant_id, pk=pk, is_deleted=False)
    if request.method == "POST":
        product_actions.delete_product(actor=request.user, product_id=product.pk)
        messages.success(request, _("Product %(name)s deleted.") % {"name": product.name})
        return redirect("console:product_list")
    return render(
        request,
        "console/catalog/confirm_delete.html",
        {
            "object_label": product.name,
            "cancel_url": reverse("console:product_detail", args=[product.pk]),
            "text": _("Its SKUs leave the POS and the mall; their barcodes can be used again."),
        },
    )


@console_view(Perm.STORE_PRICE)
def sku_store_prices(request, pk: int):
    merchant_id = request.user.merchant_id
    sku = get_owned(
        Sku.objects.select_related("product"), merchant_id, pk=pk, is_deleted=False, product__is_deleted=False
    )
    errors: dict[int, str] = {}
    if request.method == "POST":
        form = StorePriceForm(request.POST)
        store_id = _int_or_none(request.POST.get("store"))
        try:
            if request.POST.get("action") == "clear" and store_id:
                price_actions.clear_store_price(actor=request.user, store_id=store_id, sku_id=sku.pk)
                messages.success(request, _("Store price cleared; the list price applies."))
                return redirect("console:sku_store_prices", pk=sku.pk)
            if form.is_valid():
                price_actions.set_store_price(
                    actor=request.user,
                    store_id=form.cleaned_data["store"],
                    sku_id=sku.pk,
                    price_fen=form.cleaned_data["price"],
                )
                messages.success(request, _("Store price saved."))
                return redirect("console:sku_store_prices", pk=sku.pk)
            if store_id:
                errors[store_id] = " ".join(e for field_errors in form.errors.values() for e in field_errors)
        except DomainError as error:
            if error.status in (403, 404):  # another store or merchant: the decorator answers
                raise
            if store_id:
                errors[store_id] = error.message
            else:
                messages.error(request, error.message)
    prices = store_prices_for_sku(merchant_id, sku.pk)
    rows = [
        {
            "store": store,
            "price_fen": prices.get(store.pk),
            "value": request.POST.get("price", "")
            if errors.get(store.pk)
            else yuan_text(prices.get(store.pk)),
            "error": errors.get(store.pk, ""),
        }
        for store in scoped_stores(request.user)
    ]
    return render(request, "console/catalog/store_prices.html", {"sku": sku, "rows": rows})


# --- categories ------------------------------------------------------------------------------


@console_view(Perm.CATALOG_VIEW)
def category_list(request):
    rows = flatten_tree(category_tree(request.user.merchant_id, with_counts=True))
    return render(
        request,
        "console/catalog/category_list.html",
        {"rows": rows, "can_manage": request.user.has_perm_code(Perm.CATALOG_MANAGE)},
    )


@console_view(Perm.CATALOG_MANAGE)
def category_create(request):
    merchant_id = request.user.merchant_id
    initial = {"parent": _int_or_none(request.GET.get("parent"))}
    form = CategoryForm(request.POST or None, initial=initial, merchant_id=merchant_id)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            category = category_actions.create_category(
                actor=request.user,
                name=data["name"],
                parent_id=data["parent"].pk if data["parent"] else None,
                sort_order=data["sort_order"],
                is_active=data["is_active"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Category %(name)s created.") % {"name": category.name})
            return redirect("console:category_list")
    return render(
        request, "console/catalog/simple_form.html", _simple_context(form, _("New category"), "category")
    )


@console_view(Perm.CATALOG_MANAGE)
def category_edit(request, pk: int):
    merchant_id = request.user.merchant_id
    category = get_owned(Category, merchant_id, pk=pk)
    initial = {
        "name": category.name,
        "parent": category.parent_id,
        "sort_order": category.sort_order,
        "is_active": category.is_active,
    }
    form = CategoryForm(
        request.POST or None, initial=initial, merchant_id=merchant_id, exclude_ids={category.pk}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            category_actions.update_category(
                actor=request.user,
                category_id=category.pk,
                name=data["name"],
                parent_id=data["parent"].pk if data["parent"] else None,
                sort_order=data["sort_order"],
                is_active=data["is_active"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Category %(name)s saved.") % {"name": data["name"]})
            return redirect("console:category_list")
    context = _simple_context(form, category.name, "category")
    context["delete_url"] = reverse("console:category_delete", args=[category.pk])
    return render(request, "console/catalog/simple_form.html", context)


@console_view(Perm.CATALOG_MANAGE)
@require_POST
def category_delete(request, pk: int):
    category = get_owned(Category, request.user.merchant_id, pk=pk)
    try:
        category_actions.delete_category(actor=request.user, category_id=category.pk)
    except DomainError as error:
        if error.status in (403, 404):
            raise
        messages.error(request, error.message)
    else:
        messages.success(request, _("Category %(name)s deleted.") % {"name": category.name})
    return redirect("console:category_list")


# --- brands and tags -------------------------------------------------------------------------


@console_view(Perm.CATALOG_VIEW)
def brand_list(request):
    brands = Brand.objects.for_merchant(request.user.merchant_id).order_by("name")
    q = request.GET.get("q", "").replace("\x00", "").strip()[:50]
    if q:
        brands = brands.filter(name__icontains=q)
    context = {
        "q": q,
        "can_manage": request.user.has_perm_code(Perm.CATALOG_MANAGE),
        **paginate(request, brands),
    }
    return render(request, "console/catalog/brand_list.html", context)


@console_view(Perm.CATALOG_MANAGE)
def brand_create(request):
    form = BrandForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            brand = brand_actions.create_brand(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error("name", error.message)
        else:
            messages.success(request, _("Brand %(name)s created.") % {"name": brand.name})
            return redirect("console:brand_list")
    return render(request, "console/catalog/simple_form.html", _simple_context(form, _("New brand"), "brand"))


@console_view(Perm.CATALOG_MANAGE)
def brand_edit(request, pk: int):
    brand = get_owned(Brand, request.user.merchant_id, pk=pk)
    form = BrandForm(request.POST or None, initial={"name": brand.name, "is_active": brand.is_active})
    if request.method == "POST" and form.is_valid():
        try:
            brand_actions.update_brand(actor=request.user, brand_id=brand.pk, **form.cleaned_data)
        except DomainError as error:
            form.add_error("name", error.message)
        else:
            messages.success(request, _("Brand %(name)s saved.") % {"name": form.cleaned_data["name"]})
            return redirect("console:brand_list")
    context = _simple_context(form, brand.name, "brand")
    context["delete_url"] = reverse("console:brand_delete", args=[brand.pk])
    return render(request, "console/catalog/simple_form.html", context)


@console_view(Perm.CATALOG_MANAGE)
@require_POST
def brand_delete(request, pk: int):
    brand = get_owned(Brand, request.user.merchant_id, pk=pk)
    try:
        brand_actions.delete_brand(actor=request.user, brand_id=brand.pk)
    except DomainError as error:
        if error.status in (403, 404):
            raise
        messages.error(request, error.message)
    else:
        messages.success(request, _("Brand %(name)s deleted.") % {"name": brand.name})
    return redirect("console:brand_list")


@console_view(Perm.CATALOG_VIEW)
def tag_list(request):
    form = TagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            tag = brand_actions.create_tag(actor=request.user, name=form.cleaned_data["name"])
        except DomainError as error:
            if error.status == 403:
                raise
            form.add_error("name", error.message)
        else:
            messages.success(request, _("Tag %(name)s created.") % {"name": tag.name})
            return redirect("console:tag_list")
    tags = Tag.objects.for_merchant(request.user.merchant_id).order_by("name")
    context = {"form": form, "tags": tags, "can_manage": request.user.has_perm_code(Perm.CATALOG_MANAGE)}
    return render(request, "console/catalog/tag_list.html", context)


@console_view(Perm.CATALOG_MANAGE)
@require_POST
def tag_delete(request, pk: int):
    tag = get_owned(Tag, request.user.merchant_id, pk=pk)
    brand_actions.delete_tag(actor=request.user, tag_id=tag.pk)
    messages.success(request, _("Tag %(name)s deleted.") % {"name": tag.name})
    return redirect("console:tag_list")


def _simple_context(form, title: str, kind: str) -> dict:
    back = {"category": "console:category_list", "brand": "console:brand_list"}[kind]
    return {"form": form, "title": title, "cancel_url": reverse(back)}


urlpatterns = [
    path("products/", product_list_view, name="product_list"),
    path("products/new/", product_create, name="product_create"),
    path("products/<int:pk>/", product_detail_view, name="product_detail"),
    path("products/<int:pk>/edit/", product_edit, name="product_edit"),
    path("products/<int:pk>/delete/", product_delete, name="product_delete"),
    path("skus/<int:pk>/store-prices/", sku_store_prices, name="sku_store_prices"),
    path("categories/", category_list, name="category_list"),
    path("categories/new/", category_create, name="category_create"),
    path("categories/<int:pk>/", category_edit, name="category_edit"),
    path("categories/<int:pk>/delete/", category_delete, name="category_delete"),
    path("brands/", brand_list, name="brand_list"),
    path("brands/new/", brand_create, name="brand_create"),
    path("brands/<int:pk>/", brand_edit, name="brand_edit"),
    path("brands/<int:pk>/delete/", brand_delete, name="brand_delete"),
    path("tags/", tag_list, name="tag_list"),
    path("tags/<int:pk>/delete/", tag_delete, name="tag_delete"),
]
