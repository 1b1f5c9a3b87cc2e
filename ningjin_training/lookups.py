"""``in`` on integer columns leaves out values no such column can hold.

Django already does this for exact, gt, gte, lt and lte (``IntegerFieldOverflow``), but not
for ``in``. On SQLite a choice like ``10**19`` posted to a form's multiple-choice field (a
member's groups, a session's audience) would raise OverflowError, and the user would get a
server error instead of "not a valid choice". No stored integer equals such a value, so
leaving it out changes no result. Registered in ``PortalConfig.ready``.
"""

from django.db.models import IntegerField
from django.db.models.lookups import In


class IntegerFieldIn(In):
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            low, high = connection.ops.integer_field_range(self.lhs.output_field.get_internal_type())
            self.rhs = [
                value
                for value in self.rhs
                if not isinstance(value, int)
                or ((low is None or value >= low) and (high is None or value <= high))
            ]
        return super().process_rhs(compiler, connection)


def register() -> None:
    IntegerField.register_lookup(IntegerFieldIn)
