"""Writing audit rows: the model registry, ``record`` and ``record_bulk``."""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from core.personal_data import scrub

from .context import current_actor, current_ip
from .masking import DEFAULT_MASKS
from .models import AuditAction as Action
from .models import AuditEntry

__all__ = ["Action", "record", "record_bulk", "record_bulk_summary", "register"]


@dataclass(frozen=True)
class AuditSpec:
    exclude: frozenset[str]
    masked: dict[str, Callable] = field(default_factory=dict)


_registry: dict[type[models.Model], AuditSpec] = {}


def register(model: type[models.Model], *, exclude: Iterable[str] = (), masked: dict | None = None) -> None:
    """Audit every single-row create, update and delete of ``model``.

    ``exclude`` names fields never recorded (timestamps, caches); ``masked`` maps
    a field name to the function that masks it (``id_number``, ``phone`` and
    ``password`` are masked by default).
    """
    masks = {name: mask for name, mask in DEFAULT_MASKS.items() if _has_field(model, name)}
    masks.update(masked or {})
    _registry[model] = AuditSpec(exclude=frozenset(exclude), masked=masks)


def is_registered(model) -> bool:
    return model in _registry


def _has_field(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except Exception:
        return False
    return True


def _spec(model) -> AuditSpec:
    return _registry.get(model) or AuditSpec(
        exclude=frozenset(), masked={n: m for n, m in DEFAULT_MASKS.items() if _has_field(model, n)}
    )


def _plain(value):
    """A JSON-friendly copy of a field value."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.date | datetime.time | decimal.Decimal | uuid.UUID):
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return str(value)


def mask_changes(model, changes: dict | None) -> dict:
    """``changes`` with masked fields passed through their masks and any stray ID/phone scrubbed."""
    spec = _spec(model)
    result = {}
    for name, pair in (changes or {}).items():
        mask = spec.masked.get(name)
        values = pair if isinstance(pair, list | tuple) else [pair]
        masked = []
        for value in values:
            value = _plain(value)
            if mask is not None and value not in (None, ""):
                value = mask(value)
            elif isinstance(value, str):
                value = scrub(value)
            masked.append(value)
        result[name] = masked
    return result


def _label(model_or_obj) -> str:
    return model_or_obj._meta.label if model_or_obj is not None else ""


def _actor_fields(actor) -> dict:
    actor = actor if actor is not None else current_actor()
    if actor is None:
        return {"actor": None, "actor_name": ""}
    return {"actor": actor, "actor_name": actor.get_username()}


def record(
    action: str,
    target: models.Model | type[models.Model] | None = None,
    *,
    changes: dict | None = None,
    actor=None,
    actor_name: str | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """Write one audit row for ``target`` (an instance, a model class or None)."""
    is_instance = isinstance(target, models.Model)
    model = target.__class__ if is_instance else target  # __class__ sees through lazy users
    fields = _actor_fields(actor)
    if actor_name is not None:
        fields["actor_name"] = scrub(actor_name)[:150]
    return AuditEntry.objects.create(
        **fields,
        ip=ip or current_ip(),
        action=action,
        model_label=_label(model),
        object_pk=str(target.pk) if is_instance and target.pk is not None else "",
        object_repr=scrub(str(target))[:200] if is_instance else "",
        changes=mask_changes(model, changes) if model is not None else (changes or {}),
    )


def record_bulk(
    model: type[models.Model],
    pks: Iterable,
    action: str,
    changes: dict | None = None,
    *,
    actor=None,
    changes_by_pk: dict | None = None,
) -> int:
    """One audit row per primary key for a bulk operation; returns how many were written.

    ``changes`` apply to every row; ``changes_by_pk`` (pk → changes) overrides them
    for the rows whose changes differ (an attendance sheet moves each row its own way).
    """
    fields = _actor_fields(actor)
    ip = current_ip()
    masked = mask_changes(model, changes)
    changes_by_pk = changes_by_pk or {}
    rows = [
        AuditEntry(
            **fields,
            ip=ip,
            action=action,
            model_label=model._meta.label,
            object_pk=str(pk),
            changes=mask_changes(model, changes_by_pk[pk]) if pk in changes_by_pk else masked,
        )
        for pk in pks
    ]
    AuditEntry.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def record_bulk_summary(
    model: type[models.Model],
    pks_by_action: dict[str, Iterable],
    *,
    target: models.Model | None = None,
    changes: dict | None = None,
    actor=None,
) -> int:
    """One row per action naming every pk in ``changes["pks"]``, all in a single INSERT.

    For operations too large for a row per object (a 20,000-row roster import):
    the row says who, when, which action and exactly which objects. ``target``
    (e.g. the import batch) names the operation in ``object_pk``/``object_repr``.
    Actions with no pks write nothing; returns the number of rows written.
    """
    fields = _actor_fields(actor)
    ip = current_ip()
    masked = mask_changes(model, changes)
    rows = [
        AuditEntry(
            **fields,
            ip=ip,
            action=action,
            model_label=model._meta.label,
            object_pk=str(target.pk) if target is not None else "",
            object_repr=scrub(str(target))[:200] if target is not None else "",
            changes={**masked, "pks": sorted(pks)},
        )
        for action, pks in pks_by_action.items()
        if pks
    ]
    AuditEntry.objects.bulk_create(rows)
    return len(rows)


# ---- signal handlers for registered models -----------------------------------


def _audited_fields(model) -> list[models.Field]:
    spec = _registry[model]
    return [f for f in model._meta.concrete_fields if f.name not in spec.exclude and not f.primary_key]


def _snapshot(instance) -> dict:
    return {f.name: _plain(f.value_from_object(instance)) for f in _audited_fields(type(instance))}


def _before_save(sender, instance, raw=False, **kwargs):
    if raw or sender not in _registry or instance._state.adding or instance.pk is None:
        return
    attnames = {f.attname: f.name for f in _audited_fields(sender)}
    old = sender._base_manager.filter(pk=instance.pk).values(*attnames).first()
    if old is not None:
        instance._audit_old = {attnames[a]: _plain(v) for a, v in old.items()}


def _after_save(sender, instance, created, raw=False, **kwargs):
    if raw or sender not in _registry:
        return
    new = _snapshot(instance)
    old = instance.__dict__.pop("_audit_old", None)
    if created or old is None:
        changes = {name: [None, value] for name, value in new.items() if value not in (None, "")}
        record(Action.CREATE, instance, changes=changes)
        return
    changes = {name: [old.get(name), value] for name, value in new.items() if old.get(name) != value}
    if changes:
        record(Action.UPDATE, instance, changes=changes)


def _after_delete(sender, instance, **kwargs):
    if sender not in _registry:
        return
    changes = {name: [value, None] for name, value in _snapshot(instance).items() if value not in (None, "")}
    record(Action.DELETE, instance, changes=changes)


def _m2m_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    owner = type(instance)
    if reverse or owner not in _registry:
        return
    field_name = next((f.name for f in owner._meta.many_to_many if f.remote_field.through is sender), None)
    if field_name is None or field_name in _registry[owner].exclude:
        return
    manager = getattr(instance, field_name)
    if action.startswith("pre_"):
        instance.__dict__.setdefault("_audit_m2m_old", {})[field_name] = sorted(
            manager.values_list("pk", flat=True)
        )
        return
    before = instance.__dict__.get("_audit_m2m_old", {}).pop(field_name, None)
    after = sorted(manager.values_list("pk", flat=True))
    if before is not None and before != after:
        record(Action.UPDATE, instance, changes={field_name: [before, after]})


def connect_signals() -> None:
    pre_save.connect(_before_save, dispatch_uid="audit_pre_save")
    post_save.connect(_after_save, dispatch_uid="audit_post_save")
    post_delete.connect(_after_delete, dispatch_uid="audit_post_delete")
    m2m_changed.connect(_m2m_changed, dispatch_uid="audit_m2m_changed")
