"""The API's read endpoints (v1) and the portal page where staff manage their tokens."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from rest_framework import generics
from rest_framework.pagination import CursorPagination

from core.roles import STAFF_ROLES, role_required
from courses.models import Session
from trainees.models import Township

from . import services
from .filters import SessionFilter
from .models import ApiToken
from .serializers import SessionSerializer, TownshipSerializer


class SessionCursor(CursorPagination):
    ordering = ("-starts_at", "-pk")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def visible_sessions(user):
    """The sessions the user may read — the pages' own scope (``Session.objects.visible_to``)."""
    return Session.objects.visible_to(user).select_related("township").with_enrolled().distinct()


class NoStore:
    """No cache keeps an answer: a token request is anonymous to NoStoreForUsersMiddleware."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response


class TownshipList(NoStore, generics.ListAPIView):
    serializer_class = TownshipSerializer
    pagination_class = None

    def get_queryset(self):
        return Township.objects.visible_to(self.request.user).order_by("code")


class TownshipDetail(NoStore, generics.RetrieveAPIView):
    serializer_class = TownshipSerializer

    def get_queryset(self):
        return Township.objects.visible_to(self.request.user)


class SessionList(NoStore, generics.ListAPIView):
    serializer_class = SessionSerializer
    pagination_class = SessionCursor
    filterset_class = SessionFilter

    def get_queryset(self):
        return visible_sessions(self.request.user)


class SessionDetail(NoStore, generics.RetrieveAPIView):
    serializer_class = SessionSerializer

    def get_queryset(self):
        return visible_sessions(self.request.user)


# --- the portal page: my API tokens ---------------------------------------------------------------


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("名称"), max_length=80, help_text=gettext_lazy("例如：乡镇公众号同步")
    )
    write = forms.BooleanField(label=gettext_lazy("允许修改数据（读写权限）"), required=False)


@role_required(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def token_list(request):
    new_key = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        scope = ApiToken.Scope.WRITE if form.cleaned_data["write"] else ApiToken.Scope.READ
        _token, new_key = services.token_create(
            user=request.user, name=form.cleaned_data["name"], scope=scope
        )
        form = TokenForm()
    tokens = ApiToken.objects.filter(user=request.user)
    return render(request, "api/tokens.html", {"form": form, "tokens": tokens, "new_key": new_key})


@role_required(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken.objects.filter(user=request.user, revoked_at__isnull=True), pk=pk)
    if request.method == "POST":
        services.token_revoke(token=token, actor=request.user)
        messages.success(request, _("已撤销令牌：%(name)s。") % {"name": token.name})
        return redirect("api:tokens")
    return render(request, "api/token_revoke.html", {"token": token})
