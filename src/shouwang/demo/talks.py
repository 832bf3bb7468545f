"""The demo school's talks data (filled by the talks module's work)."""

import datetime


def talks_demo(*, today: datetime.date) -> None:
    """Adds the module's demo data through its services (nothing yet)."""
