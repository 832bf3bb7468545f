"""The demo school's care data (filled by the care module's work)."""

import datetime


def care_demo(*, today: datetime.date) -> None:
    """Adds the module's demo data through its services (nothing yet)."""
