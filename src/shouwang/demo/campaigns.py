"""The demo school's campaigns data (filled by the campaigns module's work)."""

import datetime


def campaigns_demo(*, today: datetime.date) -> None:
    """Adds the module's demo data through its services (nothing yet)."""
