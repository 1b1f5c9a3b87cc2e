from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

import audit


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    verbose_name = _("评估与述职")

    def ready(self):
        # reminders registers with notifications, selectors its cached aggregate.
        from . import reminders, selectors  # noqa: F401
        from .models import AnnualReport, ImprovementItem, PracticeTask

        # Improvement items, annual reports and practice tasks are audited on every
        # single-row change (docs/security.md); their workflow moves save row by row.
        audit.register(ImprovementItem, exclude=["created_at"])
        audit.register(AnnualReport, exclude=["created_at", "updated_at"])
        audit.register(PracticeTask, exclude=["created_at"])
