"""Every write to the care ledger. Each checks permission and records its timeline event in the
same transaction; no event carries a file's content (risk factors, notes, diagnoses, screening
details): events name the file, the student's record id and the actor, and what kind of change.

Where things are (import them from here, `shouwang.care.services`):
- `files.py`: a file opened and kept up — `care_file_open_or_update` (one student) and
  `care_files_open_or_update` (many: a screening round; BATCH), `care_note_add`,
  `care_diagnosis_set`, `care_owner_set` (包保人), `care_key_flag_set`, `care_attachment_add`,
  `care_watch_add` (the supervision roster).
- `tier_tasks.py`: tiers and their tasks — `care_tier_change` (tasks and their deadlines,
  optionally the crisis plan), `care_task_complete`. (The tiers' definitions are `care/tiers.py`.)
- `status.py`: 休学 / 复学 requests — `care_status_request`, `care_status_request_decide`.
- `access.py`: reading beyond need-to-know and every read on the timeline —
  `care_grant_create`, `care_grant_revoke`, `care_break_glass`, `care_break_glass_review`,
  `care_read_record`, `care_list_read_record`, `care_read_refused`.
- `key_lists.py`: the key-student list — `key_list_produce`, `key_list_acknowledge`,
  `key_list_read_record`.
- `handover.py`: a class handover — `care_files_follow_handover`, HANDOVER_LABELS.
- `acts.py`: the engine's acts (`lock_task`, `act_task_remind`, `act_task_overdue`,
  `lock_key_list`, `act_key_list_overdue`) and the auditor (`tasks_without_deadline`,
  `tasks_repair`), registered in CareConfig.ready.
- `common.py`: what they share — limits (MAX_NOTE, MAX_REASON, MAX_GRANT_DAYS,
  KEY_LIST_ACK_DAYS), deadline kinds and subject types (TASK_REMIND, TASK_OVERDUE, KEY_LIST_ACK,
  TASK_SUBJECT, KEY_LIST_SUBJECT), links (file_url, task_url, STATUS_REQUESTS_URL), the text
  and risk-factor checks and the file's timeline event."""

from .access import (
    care_break_glass,
    care_break_glass_review,
    care_grant_create,
    care_grant_revoke,
    care_list_read_record,
    care_read_record,
    care_read_refused,
)
from .acts import (
    act_key_list_overdue,
    act_task_overdue,
    act_task_remind,
    lock_key_list,
    lock_task,
    tasks_repair,
    tasks_without_deadline,
)
from .common import (
    KEY_LIST_ACK,
    KEY_LIST_ACK_DAYS,
    KEY_LIST_SUBJECT,
    MAX_GRANT_DAYS,
    MAX_NOTE,
    MAX_REASON,
    STATUS_REQUESTS_URL,
    TASK_OVERDUE,
    TASK_REMIND,
    TASK_SUBJECT,
    file_url,
    task_url,
)
from .files import (
    BATCH,
    care_attachment_add,
    care_diagnosis_set,
    care_file_open_or_update,
    care_files_open_or_update,
    care_key_flag_set,
    care_note_add,
    care_owner_set,
    care_watch_add,
)
from .handover import HANDOVER_LABELS, care_files_follow_handover
from .key_lists import key_list_acknowledge, key_list_produce, key_list_read_record
from .status import care_status_request, care_status_request_decide
from .tier_tasks import care_task_complete, care_tier_change

__all__ = [
    "BATCH",
    "HANDOVER_LABELS",
    "KEY_LIST_ACK",
    "KEY_LIST_ACK_DAYS",
    "KEY_LIST_SUBJECT",
    "MAX_GRANT_DAYS",
    "MAX_NOTE",
    "MAX_REASON",
    "STATUS_REQUESTS_URL",
    "TASK_OVERDUE",
    "TASK_REMIND",
    "TASK_SUBJECT",
    "act_key_list_overdue",
    "act_task_overdue",
    "act_task_remind",
    "care_attachment_add",
    "care_break_glass",
    "care_break_glass_review",
    "care_diagnosis_set",
    "care_file_open_or_update",
    "care_files_follow_handover",
    "care_files_open_or_update",
    "care_grant_create",
    "care_grant_revoke",
    "care_key_flag_set",
    "care_list_read_record",
    "care_note_add",
    "care_owner_set",
    "care_read_record",
    "care_read_refused",
    "care_status_request",
    "care_status_request_decide",
    "care_task_complete",
    "care_tier_change",
    "care_watch_add",
    "file_url",
    "key_list_acknowledge",
    "key_list_produce",
    "key_list_read_record",
    "lock_key_list",
    "lock_task",
    "task_url",
    "tasks_repair",
    "tasks_without_deadline",
]
