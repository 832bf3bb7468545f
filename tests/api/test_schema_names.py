"""The OpenAPI document names each schema by its class name: two apps' schemas with one name
would silently share one description (the last wins), and the other's answers would then be
documented — and fuzzed — against the wrong shape."""

from collections import defaultdict

from ninja import Schema

import shouwang.api_v1  # noqa: F401  (imports every app's API module)


def _all(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all(sub)


def test_no_two_api_schemas_share_a_name():
    by_name = defaultdict(set)
    for cls in _all(Schema):
        if cls.__module__.startswith("shouwang."):
            by_name[cls.__name__].add(cls.__module__)
    assert {name: mods for name, mods in by_name.items() if len(mods) > 1} == {}
