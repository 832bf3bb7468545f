"""What the apps written beside documents add to its reports, registered by name, so that
documents renders them without importing those apps (they are built in parallel; ARCHITECTURE).

`register(name, fn)` — `fn(viewer, incident)`; a second registration under a name replaces the
first. The names documents reads:

- `review` → the 复盘 review of the incident, or None: an object or dict with `sections` (each
  with `code` or `title`, `text`, `state`, and optionally `signed_by` / `signed_at`), and
  optionally `state`, `signed_by`, `signed_at` and `facts` (a dict of the pre-filled facts).
  The agreed provider is `aftermath.selectors.review_for_incident`.
- `aftermath_items` → a list of aftermath items (`kind` or `title`, `owner`, `due_at`,
  `status` or `state`): `aftermath.selectors.items_for`.
- `findings` → a list of accountability findings (`kind`, `person`, `unit`, `state`,
  `summary`): `accountability.selectors.findings_for_incident`.

Nothing registered under a name means that part of the record does not exist yet: the
documents say so instead of leaving the section out.
"""

from collections.abc import Callable

REVIEW = "review"
AFTERMATH_ITEMS = "aftermath_items"
FINDINGS = "findings"

PROVIDERS: dict[str, Callable] = {}


def register(name: str, fn: Callable) -> None:
    PROVIDERS[name] = fn


def unregister(name: str) -> None:
    PROVIDERS.pop(name, None)


def is_registered(name: str) -> bool:
    return name in PROVIDERS


def provide(name: str, viewer, incident, default=None):
    """What the provider registered under `name` says about the incident; `default` without one."""
    fn = PROVIDERS.get(name)
    return default if fn is None else fn(viewer, incident)
