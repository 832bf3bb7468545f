"""What part of the school a person may see, derived from their current posts.

A scope is a set of unit-path prefixes. A post gives the subtree of its unit; a school-wide
role (学生处, 保卫处, 心理中心, 校领导) gives the subtree of the school the unit belongs to.
Every selector filters through a Scope, so there is one place that decides visibility.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from .models import Post


@dataclass(frozen=True)
class Scope:
    paths: frozenset[str] = field(default_factory=frozenset)
    everything: bool = False

    @classmethod
    def of_paths(cls, paths):
        # Drop prefixes already covered by a shorter one; keeps the SQL small.
        kept = []
        for p in sorted(set(paths), key=len):
            if not any(p.startswith(k) for k in kept):
                kept.append(p)
        return cls(paths=frozenset(kept))

    def q(self, field_path: str) -> Q:
        """Q matching rows whose `field_path` (a unit path) lies inside the scope."""
        if self.everything:
            return Q()
        if not self.paths:
            return Q(pk__in=[])
        q = Q()
        for p in self.paths:
            q |= Q(**{f"{field_path}__startswith": p})
        return q

    def contains_path(self, path: str) -> bool:
        return self.everything or any(path.startswith(p) for p in self.paths)

    @property
    def is_empty(self):
        return not self.everything and not self.paths


def root_path(path: str) -> str:
    return "/" + path.split("/")[1] + "/"


def scope_for(user) -> Scope:
    """The scope of a person, or of an API token principal (which carries its own)."""
    token_scope = getattr(user, "token_scope", None)
    if token_scope is not None:
        return token_scope
    if user is None or not user.is_authenticated or not user.is_active:
        return Scope()
    if user.is_superuser:
        return Scope(everything=True)
    cached = getattr(user, "_shouwang_scope", None)
    if cached is not None:
        return cached
    paths = []
    for path, school_wide in (
        Post.objects.current().filter(person=user).values_list("unit__path", "role__school_wide")
    ):
        paths.append(root_path(path) if school_wide else path)
    scope = Scope.of_paths(paths)
    user._shouwang_scope = scope
    return scope
