"""The demo school's monitoring data (filled by the monitoring module's work)."""

import datetime


def monitoring_demo(*, today: datetime.date) -> None:
    """Adds the module's demo data through its services (nothing yet)."""
