"""Catalog errors. Codes are stable once released; messages are English msgids translated in
``catalog/locale``. Params that name a SKU row (``sku_index``) or a field (``field``) let the
console put the message next to the right input."""

from django.utils.translation import gettext_lazy as _

from newretail.core.errors import ErrorCode


class CatalogError(ErrorCode):
    BARCODE_INVALID = (
        "catalog.barcode_invalid",
        _("Barcode {barcode} has a wrong check digit."),
        400,
    )
    BARCODE_MALFORMED = (
        "catalog.barcode_malformed",
        _("Barcode {barcode} must be 8, 12, 13 or 14 digits (EAN-8, UPC-A, EAN-13 or GTIN-14)."),
        400,
    )
    BARCODE_TAKEN = ("catalog.barcode_taken", _("Barcode {barcode} is already used by another SKU."), 409)
    CODE_TAKEN = ("catalog.code_taken", _("SKU code {code} is already used by another SKU."), 409)
    PLU_TAKEN = ("catalog.plu_taken", _("PLU {plu} is already used by another SKU."), 409)
    PLU_INVALID = ("catalog.plu_invalid", _("PLU {plu} must be 1 to 5 digits."), 400)
    PLU_NOT_WEIGHED = (
        "catalog.plu_not_weighed",
        _("Only products sold by weight (unit kg) can have a PLU code."),
        400,
    )
    CODE_INVALID = (
        "catalog.code_invalid",
        _("SKU code {code} may use only letters, digits, hyphen, underscore and dot (at most 40)."),
        400,
    )
    DUPLICATE_IN_REQUEST = (
        "catalog.duplicate_in_request",
        _("{field} {value} appears on more than one SKU of this product."),
        400,
    )
    AMOUNT_OUT_OF_RANGE = (
        "catalog.amount_out_of_range",
        _("{field} must be between 0 and {max} fen."),
        400,
    )
    SKU_REQUIRED = ("catalog.sku_required", _("A product needs at least one SKU."), 400)
    TOO_MANY_SKUS = ("catalog.too_many_skus", _("A product can have at most {max} SKUs."), 400)
    SPEC_NAMES_INVALID = (
        "catalog.spec_names_invalid",
        _("Spec names must be distinct, non-empty and at most {max}."),
        400,
    )
    SPEC_VALUES_MISMATCH = (
        "catalog.spec_values_mismatch",
        _("Each SKU needs exactly one value for each spec ({names})."),
        400,
    )
    SPEC_REQUIRED = (
        "catalog.spec_required",
        _("A product with several SKUs needs spec names (e.g. size, flavour) to tell them apart."),
        400,
    )
    SPEC_DUPLICATE = ("catalog.spec_duplicate", _("Two SKUs have the same spec values {values}."), 400)
    LAST_SKU = (
        "catalog.last_sku",
        _("The last SKU of a product cannot be removed; delete the product instead."),
        409,
    )
    SALE_WINDOW_INVALID = (
        "catalog.sale_window_invalid",
        _("The end of the sale window must be after its start."),
        400,
    )
    UNIT_INVALID = ("catalog.unit_invalid", _("Unknown unit {unit}."), 400)
    STATUS_INVALID = ("catalog.status_invalid", _("Unknown status {status}."), 400)
    CATEGORY_TOO_DEEP = (
        "catalog.category_too_deep",
        _("Categories can be at most {max} levels deep."),
        400,
    )
    CATEGORY_CYCLE = (
        "catalog.category_cycle",
        _("A category cannot be moved under itself or one of its subcategories."),
        400,
    )
    CATEGORY_NAME_TAKEN = (
        "catalog.category_name_taken",
        _("A category named {name} already exists at this level."),
        409,
    )
    CATEGORY_HAS_PRODUCTS = (
        "catalog.category_has_products",
        _("Category {name} has {count} products; move or delete them first."),
        409,
    )
    CATEGORY_IN_USE = (
        "catalog.category_in_use",
        _("Category {name} is still referenced by deleted products; deactivate it instead."),
        409,
    )
    CATEGORY_HAS_CHILDREN = (
        "catalog.category_has_children",
        _("Category {name} has subcategories; delete or move them first."),
        409,
    )
    BRAND_NAME_TAKEN = ("catalog.brand_name_taken", _("Brand {name} already exists."), 409)
    BRAND_HAS_PRODUCTS = (
        "catalog.brand_has_products",
        _("Brand {name} is used by {count} products; deactivate it instead."),
        409,
    )
    TAG_NAME_TAKEN = ("catalog.tag_name_taken", _("Tag {name} already exists."), 409)
    NAME_REQUIRED = ("catalog.name_required", _("A name is required."), 400)
    IMAGE_INVALID = (
        "catalog.image_invalid",
        _("{name} is not a JPEG, PNG or WebP image."),
        400,
    )
    IMAGE_TOO_LARGE = ("catalog.image_too_large", _("{name} is larger than {max_mb} MB."), 400)
    TOO_MANY_IMAGES = ("catalog.too_many_images", _("A product has at most {max} images."), 409)
