"""The demo school's handovers data (filled by the handovers module's work)."""

import datetime


def handovers_demo(*, today: datetime.date) -> None:
    """Adds the module's demo data through its services (nothing yet)."""
