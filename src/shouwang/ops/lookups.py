"""`field__any_of=[…]`: membership in a long list of values as ONE parameter.

The sweeps ask about hundreds of rows at once (`pk IN (…)` with 500–2,000 values). Django
writes one placeholder per value, and the driver then splits and quotes the statement value by
value on our side while PostgreSQL parses every literal on its side: a sixth of a batch's time.
On PostgreSQL this lookup sends `= ANY(%s)` with the whole list as one array; elsewhere it is
the usual IN."""

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject, Lookup


class AnyOf(Lookup):
    lookup_name = "any_of"

    def get_prep_lookup(self):
        field = self.lhs.output_field
        return [field.get_prep_value(v) for v in self.rhs]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [field.get_db_prep_value(v, connection, prepared=True) for v in self.rhs]
        if not values:
            raise EmptyResultSet
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", (*lhs_params, values)
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", (*lhs_params, *values)


# Related fields keep a lookup registry of their own.
Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)
