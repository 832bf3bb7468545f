"""Who owns an aftermath item (found from posts around the incident's unit, as incident tasks
are) and who a person's leader is (the nearest more senior post above theirs), for the
escalations of overdue items and corrective actions."""

from django.utils import timezone

from shouwang.incidents.activation import Resolver
from shouwang.org.models import Post, Unit


def item_owner(kind, *, unit, report, fallback, now):
    """(person, unit, stands_in_for) for an item of `kind`: the holder of the kind's post, else
    the first of `fallback` (the incident's office, its head, the person closing), recorded."""
    resolver = Resolver(unit, now, report)
    holders = resolver.holders(kind.owner_roles, kind.owner_at)
    if holders:
        person = holders[0][0]
        post = (
            Post.objects.current(timezone.localdate(now))
            .filter(person=person, role__code__in=kind.owner_roles)
            .select_related("unit")
            .first()
        )
        return person, post.unit if post else unit, ""
    return fallback, unit, f"{'/'.join(kind.owner_roles)}@{kind.owner_at}"


def leader_of(person, unit, *, now=None) -> list:
    """The person's leader for something owned at `unit`: walking from the unit up, the first
    unit with someone holding a post more senior than the person's own there; of those, the
    least senior (the immediate superior: a counsellor's is the college's deputy secretary).
    Falls back to the school leader. Never the person themself."""
    on = timezone.localdate(now or timezone.now())
    chain = list(Unit.objects.filter(code__in=unit.ancestor_codes()))
    chain.sort(key=lambda u: -u.depth)  # nearest first
    posts = list(
        Post.objects.current(on)
        .filter(unit__in=chain, person__is_active=True)
        .select_related("person", "role")
    )
    mine = max((p.role.rank for p in posts if p.person_id == person.pk), default=0)
    for u in chain:
        above = [
            p
            for p in posts
            if p.unit_id == u.pk and p.person_id != person.pk and p.role.rank > mine
        ]
        if above:
            lowest = min(p.role.rank for p in above)
            return list({p.person_id: p.person for p in above if p.role.rank == lowest}.values())
    leaders = (
        Post.objects.current(on)
        .filter(role__code="school_leader", person__is_active=True)
        .exclude(person=person)
        .select_related("person")
    )
    return [p.person for p in leaders[:1]]
