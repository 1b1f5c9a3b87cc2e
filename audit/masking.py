"""The masks audit rows apply by field name (the masks themselves: ``core.personal_data``)."""

from core.personal_data import mask_id_number, mask_phone


def mask_secret(value) -> str:
    """Only whether the value is set, never the value (password hashes)."""
    return "******" if value else ""


DEFAULT_MASKS = {"id_number": mask_id_number, "phone": mask_phone, "password": mask_secret}
