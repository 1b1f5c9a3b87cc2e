from django.apps import AppConfig
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

import audit
from core.personal_data import mask_id_number, mask_phone


class TraineesConfig(AppConfig):
    name = "trainees"
    verbose_name = _("组织与党员")

    def ready(self):
        from . import checks, reminders  # noqa: F401  (register the ID-number key checks, the phone book)
        from .idcrypto import mask_id_hash
        from .models import ImportBatch, Member, Profile

        # Members, roles and accounts are audited on every change (docs/security.md).
        # The ID number is recorded as its stored mask (id_number_masked) and a short prefix of
        # its keyed hash, which shows a change even where the masks agree; never the ciphertext.
        audit.register(
            Member,
            exclude=["created_at", "updated_at", "id_number_encrypted"],
            masked={"id_number_hash": mask_id_hash, "id_number_masked": mask_id_number, "phone": mask_phone},
        )
        audit.register(Profile)
        audit.register(get_user_model(), exclude=["last_login", "date_joined"])
        # The per-row error report can be long; the counts and status are what the trail needs.
        audit.register(ImportBatch, exclude=["created_at", "errors"])
