"""Report categories belong to the reports app; escalation policies match on them. The reports
app registers where to find them (its AppConfig.ready), so escalation imports no reports module:

- `active()`: the categories a policy may name, as a queryset (policy forms);
- `get(code)`: one category by its code, or None (the shipped default policies).
"""

from collections.abc import Callable

_source: dict[str, Callable] = {}


def register(*, active: Callable, get: Callable) -> None:
    _source.update(active=active, get=get)


def active():
    return _source["active"]()


def get(code: str):
    return _source["get"](code)
