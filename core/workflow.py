"""The state-machine base every workflow model builds on (pipeline, delivery, sessions, reviews…).

A workflow model has a ``status`` field with TextChoices, an allowed-transitions map and
one method that moves it and records who/when; views never set a status by hand.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy


class IllegalTransition(Exception):
    """A workflow move the state machine does not allow; the message is for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class Workflow(models.Model):
    """A model whose ``STATE_FIELD`` moves only along ``TRANSITIONS``.

    Subclasses define ``TRANSITIONS`` ({from: {to, ...}}), optionally
    ``REASON_REQUIRED`` (targets that need a note), and a :class:`TransitionEvent`
    model whose foreign key back to the workflow has ``related_name=EVENTS``; each
    move is recorded there (who/when/why) by :meth:`record_transition`.
    """

    STATE_FIELD: ClassVar[str] = "status"
    TRANSITIONS: ClassVar[dict[str, set[str]]] = {}
    REASON_REQUIRED: ClassVar[frozenset[str]] = frozenset()
    # The reverse relation of the event model (its foreign key's related_name).
    EVENTS: ClassVar[str] = "events"

    class Meta:
        abstract = True

    @property
    def state(self) -> str:
        return getattr(self, self.STATE_FIELD)

    def allowed_transitions(self) -> list[str]:
        """Targets reachable from the current state, in the choices' order."""
        allowed = self.TRANSITIONS.get(self.state, set())
        choices = self._meta.get_field(self.STATE_FIELD).choices or []
        return [value for value, _label in choices if value in allowed]

    def can_transition(self, to: str) -> bool:
        return to in self.TRANSITIONS.get(self.state, set())

    @classmethod
    def state_label(cls, value: str) -> str:
        """The display label of a state in the active language (the raw code if unknown)."""
        choices = dict(cls._meta.get_field(cls.STATE_FIELD).choices or [])
        return str(choices.get(value, value))

    def check_transition(self, to: str, *, note: str = "") -> None:
        """Raise :class:`IllegalTransition` if moving to ``to`` (with ``note``) is not allowed."""
        if not self.can_transition(to):
            raise IllegalTransition(
                _("当前状态为“%(current)s”，不能变更为“%(target)s”。")
                % {"current": self.state_label(self.state), "target": self.state_label(to)}
            )
        if to in self.REASON_REQUIRED and not (note or "").strip():
            raise IllegalTransition(_("变更为“%(target)s”须填写原因。") % {"target": self.state_label(to)})

    def transition(self, to: str, *, by, note: str = ""):
        """Move to ``to`` or raise :class:`IllegalTransition` leaving the row untouched.

        Returns the event row recording who moved it and when.
        """
        note = (note or "").strip()
        current = self.state
        self.check_transition(to, note=note)
        with transaction.atomic():
            if self.pk is not None:
                stored = (
                    type(self)
                    ._default_manager.select_for_update()
                    .filter(pk=self.pk)
                    .values_list(self.STATE_FIELD, flat=True)
                    .first()
                )
                if stored != current:
                    raise IllegalTransition(_("该记录已被他人修改，请刷新页面后重试。"))
            setattr(self, self.STATE_FIELD, to)
            update_fields = [self.STATE_FIELD, *self.apply_transition(current, to, note)]
            self.save(update_fields=update_fields)
            return self.record_transition(current, to, by=by, note=note)

    def apply_transition(self, from_state: str, to: str, note: str) -> list[str]:
        """Set fields that go with a move (e.g. a reason); return their names."""
        return []

    def record_transition(self, from_state: str, to: str, *, by, note: str):
        """Create the event row of a move through the ``EVENTS`` relation."""
        return getattr(self, self.EVENTS).create(from_status=from_state, to_status=to, by=by, note=note)


class TransitionEvent(models.Model):
    """One recorded move of a workflow: from, to, who, when, why.

    A concrete event model declares only its foreign key to the workflow
    (``related_name`` = the workflow's ``EVENTS``) and its verbose names.
    A note that is not a move (e.g. a notice sent) is stored with from = to.
    """

    from_status = models.CharField(_lazy("原状态"), max_length=20, blank=True)
    to_status = models.CharField(_lazy("新状态"), max_length=20)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_lazy("操作人"),
    )
    at = models.DateTimeField(_lazy("操作时间"), default=timezone.now)
    note = models.TextField(_lazy("说明"), blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        field = self.workflow_field()
        return f"{getattr(self, field.attname)}: {self.from_status} → {self.to_status}"

    @classmethod
    def workflow_field(cls) -> models.ForeignKey:
        """The foreign key to the workflow this model records the moves of."""
        for field in cls._meta.fields:
            if field.many_to_one and issubclass(field.related_model, Workflow):
                return field
        raise TypeError(f"{cls.__name__} has no foreign key to a Workflow model")

    @property
    def from_label(self) -> str:
        """The state moved from, in the active language ("" for a first record)."""
        return self.workflow_field().related_model.state_label(self.from_status) if self.from_status else ""

    @property
    def to_label(self) -> str:
        """The state moved to, in the active language."""
        return self.workflow_field().related_model.state_label(self.to_status)

    @property
    def is_move(self) -> bool:
        """False for a note recorded without a change of state (from = to)."""
        return self.from_status != self.to_status
