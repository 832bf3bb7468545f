"""What the apps above org do when a post starts or ends (handovers: a class's counsellor or
class teacher changed). Called from org's services and the staff import, inside their
transaction, so the follow-up commits with the post change or not at all.

`register_on_post_change(fn)`: `fn(*, started: list[Post], ended: list[Post], actor, now)`.
"""

from collections.abc import Callable

ON_POST_CHANGE: list[Callable] = []


def register_on_post_change(fn: Callable) -> Callable:
    if fn not in ON_POST_CHANGE:
        ON_POST_CHANGE.append(fn)
    return fn


def posts_changed(*, started=(), ended=(), actor=None, now=None) -> None:
    started, ended = list(started), list(ended)
    if not started and not ended:
        return
    for fn in ON_POST_CHANGE:
        fn(started=started, ended=ended, actor=actor, now=now)
