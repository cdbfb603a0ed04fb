import pytest

from newretail.catalog.actions.brands import create_brand, create_tag, delete_brand, delete_tag, update_brand
from newretail.catalog.actions.categories import (
    create_category,
    delete_category,
    move_category,
    update_category,
)
from newretail.catalog.actions.products import delete_product
from newretail.catalog.models import Category
from newretail.catalog.queries import category_tree
from newretail.catalog.search import search_products
from newretail.core.errors import DomainError
from newretail.core.testing import make_staff
from newretail.tenancy.roles import Role

from .conftest import product

pytestmark = pytest.mark.django_db


def codes(exc):
    return exc.value.code


def test_tree_is_at_most_three_levels(owner):
    a = create_category(actor=owner, name="食品")
    b = create_category(actor=owner, name="零食", parent_id=a.pk)
    c = create_category(actor=owner, name="薯片", parent_id=b.pk)
    with pytest.raises(DomainError) as exc:
        create_category(actor=owner, name="太深", parent_id=c.pk)
    assert codes(exc) == "catalog.category_too_deep"
    tree = category_tree(owner.merchant_id)
    assert [n.name for n in tree] == ["食品"] and tree[0].children[0].children[0].name == "薯片"
    assert tree[0].children[0].children[0].depth == 3


def test_a_category_cannot_become_its_own_ancestor(owner):
    a = create_category(actor=owner, name="A")
    b = create_category(actor=owner, name="B", parent_id=a.pk)
    for target in (a, b):
        with pytest.raises(DomainError) as exc:
            move_category(actor=owner, category_id=a.pk, parent_id=target.pk)
        assert codes(exc) == "catalog.category_cycle"


def test_moving_keeps_the_depth_limit(owner):
    a = create_category(actor=owner, name="A")
    a2 = create_category(actor=owner, name="A2", parent_id=a.pk)
    b = create_category(actor=owner, name="B")
    b2 = create_category(actor=owner, name="B2", parent_id=b.pk)
    with pytest.raises(DomainError) as exc:
        move_category(actor=owner, category_id=b.pk, parent_id=a2.pk)  # B would sit at 3, B2 at 4
    assert codes(exc) == "catalog.category_too_deep"
    move_category(actor=owner, category_id=b2.pk, parent_id=a2.pk)
    assert Category.objects.get(pk=b2.pk).parent_id == a2.pk
    move_category(actor=owner, category_id=b2.pk, parent_id=None)
    assert Category.objects.get(pk=b2.pk).parent_id is None


def test_sibling_names_are_unique_also_at_the_root(owner, other_owner):
    create_category(actor=owner, name="饮料")
    with pytest.raises(DomainError) as exc:
        create_category(actor=owner, name=" 饮料 ")
    assert codes(exc) == "catalog.category_name_taken"
    create_category(actor=other_owner, name="饮料")


def test_a_category_with_products_cannot_be_deleted(owner, drinks):
    item = product(owner, drinks)
    with pytest.raises(DomainError) as exc:
        delete_category(actor=owner, category_id=drinks.pk)
    assert codes(exc) == "catalog.category_has_products" and "1" in exc.value.message
    with pytest.raises(DomainError) as exc:
        delete_category(actor=owner, category_id=drinks.parent_id)
    assert codes(exc) == "catalog.category_has_children"
    delete_product(actor=owner, product_id=item.pk)
    with pytest.raises(DomainError) as exc:  # deleted products keep their category for history
        delete_category(actor=owner, category_id=drinks.pk)
    assert codes(exc) == "catalog.category_in_use"
    empty = create_category(actor=owner, name="空")
    delete_category(actor=owner, category_id=empty.pk)
    assert not Category.objects.filter(pk=empty.pk).exists()


def test_renaming_or_moving_a_category_reindexes_its_products(owner, drinks):
    item = product(owner, drinks, name="北冰洋 桔汁汽水")
    update_category(actor=owner, category_id=drinks.pk, name="汽水饮品")
    assert item.pk in search_products(owner.merchant_id, "饮品").ids
    other_root = create_category(actor=owner, name="进口食品")
    update_category(actor=owner, category_id=drinks.pk, parent_id=other_root.pk)
    assert item.pk in search_products(owner.merchant_id, "进口食品").ids


def test_cashier_cannot_manage_categories_brands_or_tags(owner, store):
    cashier = make_staff(owner, Role.CASHIER, stores=[store])
    for call in (
        lambda: create_category(actor=cashier, name="x"),
        lambda: create_brand(actor=cashier, name="x"),
        lambda: create_tag(actor=cashier, name="x"),
    ):
        with pytest.raises(DomainError) as exc:
            call()
        assert codes(exc) == "permission_denied"


def test_brands(owner, other_owner, drinks):
    brand = create_brand(actor=owner, name="元气森林")
    with pytest.raises(DomainError) as exc:
        create_brand(actor=owner, name="元气森林")
    assert codes(exc) == "catalog.brand_name_taken"
    item = product(owner, drinks, name="苏打气泡水 白桃味", brand=brand)
    update_brand(actor=owner, brand_id=brand.pk, name="元気森林")
    assert item.pk in search_products(owner.merchant_id, "元気").ids
    with pytest.raises(DomainError) as exc:
        delete_brand(actor=owner, brand_id=brand.pk)
    assert codes(exc) == "catalog.brand_has_products"
    with pytest.raises(DomainError) as exc:
        update_brand(actor=other_owner, brand_id=brand.pk, name="hijack")
    assert exc.value.status == 404


def test_tags(owner):
    tag = create_tag(actor=owner, name="新品")
    with pytest.raises(DomainError):
        create_tag(actor=owner, name="新品")
    delete_tag(actor=owner, tag_id=tag.pk)
