"""capture_events(): the timeline events one piece of code wrote, in the order it wrote them.

    with capture_events() as events:
        report_acknowledge(actor=..., report=..., channel="web")
    assert events.verbs == ["report.acknowledged"]

Events are append-only and numbered by the hash chain (`seq`), so "what this call wrote" is
every event with a sequence number above the last one before the call. Zulip's tests pin a
service by the exact events it sends; these pin a service by the exact history it records."""

from contextlib import contextmanager

from django.db.models import Max

from shouwang.audit.models import Event


class CapturedEvents(list):
    """The Event rows written inside the block (filled when the block ends)."""

    @property
    def verbs(self) -> list[str]:
        return [e.verb for e in self]

    def of(self, verb: str) -> list[Event]:
        return [e for e in self if e.verb == verb]

    def one(self, verb: str) -> Event:
        """The single event with this verb (fails if there is none or more than one)."""
        found = self.of(verb)
        assert len(found) == 1, f"expected one {verb}, got {len(found)} in {self.verbs}"
        return found[0]


def last_seq() -> int:
    return Event.objects.aggregate(last=Max("seq"))["last"] or 0


@contextmanager
def capture_events():
    before = last_seq()
    captured = CapturedEvents()
    try:
        yield captured
    finally:  # also when the block raised: a refused call must have written nothing
        captured.extend(Event.objects.filter(seq__gt=before).order_by("seq"))
