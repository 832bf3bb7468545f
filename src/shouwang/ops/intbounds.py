"""Refuse, rather than wrap, an integer too large for its PostgreSQL column.

With server-side binding (the web server's default, settings.DATABASES) Django sends an
IntegerField's value as psycopg's `Int4(value)` (and Int2/Int8 for the small and big fields,
DatabaseOperations.adapt_integerfield_value), and psycopg sends those in the binary format.
Its C dumper packs the value into 4 bytes without a range check: 4294967301 is stored as 5,
2**32 as 0, and 2**31 becomes -2**31 (a positive field's CHECK then fails: a 500). Client-side
binding sends the digits as text and PostgreSQL refuses them instead. The inputs are bounded at
their forms and schemas (shouwang.bounds); this is the net under any that was missed.
"""

from psycopg.types import numeric


def _checked(base, bits):
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1)

    class Checked(base):
        def dump(self, obj):
            if not (low <= int(obj) < high):
                raise OverflowError(f"{int(obj)} does not fit in a {bits}-bit integer column")
            return super().dump(obj)

    Checked.__name__ = f"Checked{base.__name__}"
    return Checked


def register(connection) -> None:
    """Install the checking dumpers on one psycopg connection (Django's connection_created)."""
    adapters = connection.adapters
    for cls, bits in ((numeric.Int2, 16), (numeric.Int4, 32), (numeric.Int8, 64)):
        name = cls.__name__
        adapters.register_dumper(cls, _checked(getattr(numeric, f"{name}BinaryDumper"), bits))
        adapters.register_dumper(cls, _checked(getattr(numeric, f"{name}Dumper"), bits))


def on_connection_created(sender, connection, **kwargs):
    if connection.vendor == "postgresql":
        register(connection.connection)
