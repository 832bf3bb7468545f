"""A class handover (handovers.hooks.register_on_handover, in CareConfig.ready):
`care_files_follow_handover` moves the old holder's dedicated ownerships to the new holder and
counts what moved with the classes; HANDOVER_LABELS names those counts."""

from django.utils.translation import gettext_lazy

from shouwang.audit.services import event_record

from ..models import CareFile, Entry, Task

# How the handover page and the new holder's message name the counts (numbers, no names).
HANDOVER_LABELS = {
    "care_files": gettext_lazy("Care files in these classes"),
    "care_owners_moved": gettext_lazy("Care files you are now the dedicated owner of"),
    "care_tasks_open": gettext_lazy("Open care-file tasks"),
}


def care_files_follow_handover(*, handover, class_ids, from_person, to_person, actor, now):
    """The classes' files owned by the old holder get the new one as dedicated owner (one
    batched event with the file ids, no content); counts the files and open tasks that move
    with the classes (tasks resolve their people at notify time)."""
    files = CareFile.objects.filter(student__klass_id__in=list(class_ids))
    owned = list(files.filter(owner=from_person).values_list("pk", flat=True))
    if owned:
        CareFile.objects.filter(pk__in=owned).update(owner=to_person, updated_at=now)
        Entry.objects.bulk_create(
            Entry(
                file_id=pk, kind=Entry.Kind.OWNER, actor=None, at=now, text=to_person.display_name
            )
            for pk in owned
        )
        event_record(
            actor=actor,
            subject=("handovers.handover", handover.pk),
            verb="care.owners_moved",
            data={"from": from_person.pk, "to": to_person.pk, "file_ids": owned[:500]},
            at=now,
        )
    tasks = Task.objects.filter(
        file__in=files, done_at__isnull=True, cancelled_at__isnull=True, role="counsellor"
    ).count()
    return {"care_files": files.count(), "care_owners_moved": len(owned), "care_tasks_open": tasks}
