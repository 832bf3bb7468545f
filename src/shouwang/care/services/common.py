"""What the care writes share: the limits (MAX_NOTE, MAX_REASON, MAX_GRANT_DAYS,
KEY_LIST_ACK_DAYS), the engine's deadline kinds and subject types (TASK_REMIND, TASK_OVERDUE,
KEY_LIST_ACK, TASK_SUBJECT, KEY_LIST_SUBJECT), the links a message carries (file_url, task_url,
STATUS_REQUESTS_URL), the checks of text, risk factors and screening results, and the file's
timeline event (`_file_event`: the file and the student's record id, never its content)."""

from typing import Any

from django.utils.translation import gettext as _

from shouwang.audit.services import event_record

from .. import tiers

MAX_NOTE = 5000
MAX_REASON = 500
MAX_GRANT_DAYS = 30
KEY_LIST_ACK_DAYS = 3

TASK_REMIND = "care_task_remind"
TASK_OVERDUE = "care_task_overdue"
KEY_LIST_ACK = "care_key_list_ack"
TASK_SUBJECT = "care.task"
KEY_LIST_SUBJECT = "care.keylist"


STATUS_REQUESTS_URL = "/care/status-requests/"


def file_url(file) -> str:
    return f"/care/files/{file.pk}/"


def task_url(task) -> str:
    """Where a task is done: a 休学/复学 request on 学生处's page (they cannot open the file)."""
    return STATUS_REQUESTS_URL if task.role == tiers.STATUS_ROLE else file_url(task.file)


def _clean_text(value, *, limit, field, required=False, errors=None):
    text = (value or "").strip()
    if required and not text:
        errors[field] = [_("This field is required.")]
    elif len(text) > limit:
        errors[field] = [_("Keep it to %(n)d characters.") % {"n": limit}]
    return text


def _clean_factors(values, errors):
    codes = list(dict.fromkeys(values or ()))
    unknown = [c for c in codes if c not in tiers.risk_factor_codes()]
    if unknown:
        errors["risk_factors"] = [
            _("Unknown risk factor: %(codes)s.") % {"codes": "、".join(map(str, unknown))}
        ]
    return codes


def _clean_screening(screening, errors):
    if screening is None:
        return None
    if not isinstance(screening, dict) or len(str(screening)) > MAX_NOTE:
        errors["screening"] = [_("The screening result is not a small mapping.")]
        return None
    return screening


def _json(value) -> Any:
    """A JSON value for an encrypted JSON column (the type stubs see the TextField below it)."""
    return value


def _file_event(actor, file, verb, now, **data):
    event_record(
        actor=actor, subject=file, verb=verb, data={"student_id": file.student_id, **data}, at=now
    )
