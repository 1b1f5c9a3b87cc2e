from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TraineesConfig(AppConfig):
    name = "trainees"
    verbose_name = _("组织与党员")

    def ready(self):
        from django.contrib.auth import get_user_model

        import audit

        from .models import ImportBatch, Member, Profile
        from .validators import mask_id_number, mask_phone

        # Members, roles and accounts are audited on every change (docs/security.md).
        audit.register(
            Member,
            exclude=["created_at", "updated_at"],
            masked={"id_number": mask_id_number, "phone": mask_phone},
        )
        audit.register(Profile)
        audit.register(get_user_model(), exclude=["last_login", "date_joined"])
        # The per-row error report can be long; the counts and status are what the trail needs.
        audit.register(ImportBatch, exclude=["created_at", "errors"])
