"""Creating and revoking API tokens, audited."""

from __future__ import annotations

from django.utils import timezone

from audit.recording import Action, record

from .models import ApiToken


def token_create(*, user, name: str, scope: str = ApiToken.Scope.READ, actor=None) -> tuple[ApiToken, str]:
    token, key = ApiToken.mint(user, name=name, scope=scope)
    record(
        Action.CREATE,
        token,
        actor=actor if actor is not None else user,
        changes={"name": ["", name], "scope": ["", scope], "prefix": ["", token.display_prefix]},
    )
    return token, key


def token_revoke(*, token: ApiToken, actor) -> None:
    if token.revoked_at is not None:
        return
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record(Action.UPDATE, token, actor=actor, changes={"revoked": [False, True]})
