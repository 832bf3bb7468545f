"""The demo school's studies data (filled by the studies module's work)."""

import datetime


def studies_demo(*, today: datetime.date) -> None:
    """Adds the module's demo data through its services (nothing yet)."""
