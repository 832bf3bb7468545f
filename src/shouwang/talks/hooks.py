"""What talks asks of the apps above it. Care (above talks) knows which students are key
students (重点学生: tier ≥ severe, or flagged by the psych centre); talks only needs the ids, to
open a home-visit obligation each semester for each of them.

`register_key_students(fn)`: `fn(student_ids) -> set[int]`, the key students among the ids.
"""

from collections.abc import Callable, Iterable

KEY_STUDENTS: list[Callable] = []


def register_key_students(fn: Callable) -> Callable:
    if fn not in KEY_STUDENTS:
        KEY_STUDENTS.append(fn)
    return fn


def key_students(student_ids: Iterable[int]) -> set[int]:
    ids = list(student_ids)
    found: set[int] = set()
    for fn in KEY_STUDENTS:
        found |= set(fn(ids))
    return found & set(ids)
