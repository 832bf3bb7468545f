"""The studies API (/api/v1/…), wired into api_v1; its module's work fills it."""

from ninja import Router

router = Router(tags=["studies"])

# (method, path) → summary, merged into api_v1.SUMMARIES (Chinese through the catalogue).
SUMMARIES: dict = {}
