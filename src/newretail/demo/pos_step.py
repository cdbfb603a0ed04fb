"""Demo step: a till (收银台) in every demo store, a price-label and a weight-label scale format
(大华 default layout), and the till rule 抹分 (cash drops the fen). Through the POS actions, so
``make run`` opens /pos/ with a till ready for the store's cashier."""

from __future__ import annotations

from newretail.pos.actions.setup import add_scale_format, register_terminal, update_pos_settings
from newretail.tenancy.models import User


def build_pos(owner: User, context: dict) -> None:
    for number, store in enumerate(context["stores"].values(), start=1):
        register_terminal(
            actor=owner, store_id=store.pk, code=f"{store.code}-1", name=f"{store.name} 1号收银台"
        )
        if number == 1:
            register_terminal(
                actor=owner, store_id=store.pk, code=f"{store.code}-2", name=f"{store.name} 2号收银台"
            )
    add_scale_format(
        actor=owner,
        name="价格码（大华默认）",
        pattern="FFPPPPPVVVVVC",
        prefixes="20,21,22,23,24",
        kind="price",
    )
    add_scale_format(
        actor=owner, name="重量码（克）", pattern="FFPPPPPVVVVVC", prefixes="25,26,27,28,29", kind="weight"
    )
    update_pos_settings(
        actor=owner,
        cash_rounding="jiao_down",
        offline_ticket_limit_fen=50000,
        receipt_footer="谢谢惠顾，邻里优选欢迎您再来",
    )
