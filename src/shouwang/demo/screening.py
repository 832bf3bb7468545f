"""The demo school's screening data (filled by the screening module's work)."""

import datetime


def screening_demo(*, today: datetime.date) -> None:
    """Adds the module's demo data through its services (nothing yet)."""
