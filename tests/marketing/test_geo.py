from decimal import Decimal as D

import pytest

from newretail.marketing.geo import distance_m


def test_jingan_temple_to_lujiazui_is_about_5_6_km():
    metres = distance_m(D("31.2243"), D("121.4459"), D("31.2368"), D("121.5026"))
    assert isinstance(metres, int)
    assert metres == pytest.approx(5600, rel=0.05)


def test_distance_is_symmetric_and_zero_for_one_point():
    a, b = (D("39.9087"), D("116.3975")), (D("31.2304"), D("121.4737"))  # 天安门, 上海人民广场
    assert distance_m(*a, *b) == distance_m(*b, *a)
    assert distance_m(*a, *b) == pytest.approx(1_067_000, rel=0.01)
    assert distance_m(*a, *a) == 0
