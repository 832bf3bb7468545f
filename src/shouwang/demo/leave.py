"""The demo school's leave data (filled by the leave module's work)."""

import datetime


def leave_demo(*, today: datetime.date) -> None:
    """Adds the module's demo data through its services (nothing yet)."""
