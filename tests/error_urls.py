"""The portal's URLs plus views that fail, for the error-page tests."""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.urls import path

from ningjin_training.urls import urlpatterns as portal_urlpatterns


@login_not_required
def broken(request):
    raise RuntimeError("a bug")


@login_not_required
def bad(request):
    raise SuspiciousOperation("a malformed request")


urlpatterns = [path("broken/", broken), path("bad/", bad), *portal_urlpatterns]
