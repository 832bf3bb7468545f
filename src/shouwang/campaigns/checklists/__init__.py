"""The shipped checklists (one YAML file each beside this module): a campaign copies a
checklist's items when it is created, and the issuer may edit them for that campaign."""

from functools import cache
from pathlib import Path

import yaml
from django.utils.translation import get_language

HERE = Path(__file__).parent
DEFAULT = "seed_003"


@cache
def _load() -> dict[str, dict]:
    found = {}
    for path in sorted(HERE.glob("*.yaml")):
        with path.open(encoding="utf-8") as f:
            doc = yaml.safe_load(f)
        found[doc["code"]] = doc
    return found


def checklists() -> dict[str, dict]:
    return _load()


def checklist(code: str) -> dict | None:
    return _load().get(code)


def _local(entry: dict) -> str:
    english = (get_language() or "").startswith("en")
    return (english and entry.get("title_en")) or entry["title"]


def checklist_title(code: str) -> str:
    doc = checklist(code)
    return _local(doc) if doc else ""


def checklist_items(code: str) -> list[dict]:
    """[{code, title}] of a shipped checklist (titles in the school's language: they are data
    the campaign stores; English only when the page is in English)."""
    doc = checklist(code)
    return [{"code": i["code"], "title": i["title"]} for i in doc["items"]] if doc else []
