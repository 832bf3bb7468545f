from django.conf import settings

from .chain import audit_key, verify_rows
from .models import ChainHead, Event
from .services import subject_key


def events_for_subject(subject):
    """Timeline of one object. Callers check that the user may see the subject first."""
    subject_type, subject_id = subject_key(subject)
    return Event.objects.filter(subject_type=subject_type, subject_id=subject_id).select_related(
        "actor"
    )


def chain_verify(*, checkpoints=()):
    """Return the first ChainProblem, or None when the whole timeline is intact: keyed with
    SHOUWANG_AUDIT_KEY (after SHOUWANG_AUDIT_LEGACY_SEQ) and through every signed checkpoint."""
    head = ChainHead.objects.get(pk=1)
    rows = (
        Event.objects.order_by("seq")
        .values_list(
            "seq",
            "subject_type",
            "subject_id",
            "actor_id",
            "actor_label",
            "verb",
            "data",
            "at",
            "prev_hash",
            "hash",
        )
        .iterator(chunk_size=5000)
    )
    return verify_rows(
        rows,
        head.seq,
        head.hash,
        key=audit_key(),
        legacy_seq=settings.AUDIT_LEGACY_SEQ,
        checkpoints=checkpoints,
    )
