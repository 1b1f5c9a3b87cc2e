"""Audit trail: who changed what, when, and from which IP address.

The audit app sits below every other app: it imports nothing from the portal's
own apps, and every app may import it.

Single-row changes are recorded automatically for registered models, through
``pre_save`` (to read the old row), ``post_save`` and ``post_delete``. An app
registers its models in its ``AppConfig.ready``::

    def ready(self):
        import audit

        from .models import Session, Enrollment, Attendance, CourseRequest

        audit.register(Session)
        audit.register(Attendance, exclude=["updated_at"])
        audit.register(Enrollment)
        audit.register(CourseRequest)

``register(Model, exclude=[...], masked={field: mask_function})``: excluded
fields are never recorded; masked fields are recorded only through their mask
(fields named ``id_number`` and ``phone`` are masked by default). Personal data
must never reach ``object_repr`` or ``changes`` in clear.

Bulk operations (``bulk_create``, ``bulk_update``, ``QuerySet.update``,
``QuerySet.delete``) send no signals; the service doing them calls
``audit.record_bulk(Model, pks, "bulk_update", changes={"status": [old, new]})``
in the same transaction. An operation too large for a row per object (a roster
import of tens of thousands of members) calls ``audit.record_bulk_summary(Model,
{"bulk_create": created_pks, "bulk_update": updated_pks}, target=batch)``: one row
per action listing the pks, written in one INSERT. Anything else worth a row (a reveal of personal data,
an export) calls ``audit.record(action, instance_or_model, ...)``.

The acting user and IP come from a context variable set by
``audit.context.AuditContextMiddleware``; Celery tasks and management
commands record with no actor unless they pass ``actor=``.
"""

__all__ = ["Action", "record", "record_bulk", "record_bulk_summary", "register"]


def __getattr__(name):
    # The package is imported while apps load, before models may be; the API
    # lives in audit.recording and is fetched on first use.
    if name in __all__:
        from . import recording

        return getattr(recording, name)
    raise AttributeError(f"module 'audit' has no attribute {name!r}")
