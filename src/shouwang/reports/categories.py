from pathlib import Path

import yaml

CATEGORIES_FILE = Path(__file__).with_name("categories.yaml")


def default_categories():
    with CATEGORIES_FILE.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


def sync_default_categories(sender=None, using="default", **kwargs):
    """Create any shipped category that is missing; an office's edits and own categories stay."""
    from .models import Category

    for order, spec in enumerate(default_categories()):
        Category.objects.using(using).get_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "name_en": spec.get("name_en", ""),
                "is_security": spec.get("security", False),
                "is_sensitive": spec.get("sensitive", False),
                "sort_order": order,
            },
        )
