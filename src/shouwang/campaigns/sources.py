"""A unit's answer to a campaign as a source of corrective actions
(aftermath.hooks.register_action_source): the source id is the CampaignUnit's."""

from django.utils.translation import gettext as _

from . import permissions
from .deadlines import answer_url
from .models import CampaignUnit


def _assignment(source_id):
    if not str(source_id).isdigit():
        return None
    return CampaignUnit.objects.select_related("campaign", "unit").filter(pk=int(source_id)).first()


def unit_may_issue(person, source_id) -> bool:
    """The issuing office issues the actions (the answer's problems become them)."""
    assignment = _assignment(source_id)
    return assignment is not None and permissions.can_oversee(person, assignment.campaign)


def unit_label(source_id) -> str:
    a = _assignment(source_id)
    if a is None:
        return ""
    return _("Hazard campaign: %(title)s · %(unit)s") % {
        "title": a.campaign.title,
        "unit": a.unit.name,
    }


def unit_url(source_id) -> str:
    a = _assignment(source_id)
    return answer_url(a) if a else ""


def unit_group_summary(source_id: str) -> str:
    """The line a group robot posts about a campaign's message: the campaign and the unit, never
    what was found (notify.hooks.register_group_summary)."""
    a = _assignment(source_id)
    if a is None:
        return ""
    return f"风险隐患排查「{a.campaign.title}」：{a.unit.name}，请在守望中查看"
