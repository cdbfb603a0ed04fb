"""Posters' and sources' part of the tenant isolation test (tests/test_isolation.py): a poster per
world and the console routes that address it. The lead adds to tests/test_isolation.py:

    from tests.analytics import isolation as analytics_isolation
    WORLD_EXTENSIONS.append(analytics_isolation.build)
    CONSOLE_OBJECTS.update(analytics_isolation.CONSOLE_OBJECTS)
"""

from __future__ import annotations

from newretail.marketing.posters.actions import PosterInput, create_poster


def build(owner, world) -> dict:
    return {"poster": create_poster(actor=owner, data=PosterInput(layout="product_classic"))}


CONSOLE_OBJECTS = {"poster_detail": "poster", "poster_edit": "poster", "poster_png": "poster"}
API_PARAMS: dict = {}
API_BODIES: dict = {}
