"""The allauth pages the portal uses, under their allauth names (allauth reverses them).

Only these: no sign-up, e-mail or social pages. Each is in the authorization matrix
(tests/ningjin_training/test_authorization_matrix.py).
"""

from allauth.account import views as account_views
from allauth.mfa.base import views as mfa_views
from allauth.mfa.recovery_codes import views as recovery_views
from allauth.mfa.totp import views as totp_views
from django.contrib.auth import views as auth_views
from django.urls import path

from .forms import MaskedReauthenticationCodeForm

urlpatterns = [
    path("login/", account_views.login, name="account_login"),
    # allauth's pages link "account_logout": the same POST-only sign-out as "logout".
    path("logout/", auth_views.LogoutView.as_view(), name="account_logout"),
    path("inactive/", account_views.account_inactive, name="account_inactive"),
    path("login/code/", account_views.request_login_code, name="account_request_login_code"),
    path("login/code/confirm/", account_views.confirm_login_code, name="account_confirm_login_code"),
    path("password/change/", account_views.password_change, name="account_change_password"),
    path("password/set/", account_views.password_set, name="account_set_password"),
    path("reauthenticate/", account_views.reauthenticate, name="account_reauthenticate"),
    # Members hold no password: they confirm who they are with a fresh SMS code.
    path(
        "reauthenticate/code/",
        account_views.RequestReauthenticationCodeView.as_view(form_class=MaskedReauthenticationCodeForm),
        name="account_request_reauthentication_code",
    ),
    path(
        "reauthenticate/code/confirm/",
        account_views.confirm_reauthentication_code,
        name="account_confirm_reauthentication_code",
    ),
    # Second factor (allauth.mfa): authenticator app and recovery codes.
    path("2fa/", mfa_views.index, name="mfa_index"),
    path("2fa/authenticate/", mfa_views.authenticate, name="mfa_authenticate"),
    path("2fa/reauthenticate/", mfa_views.reauthenticate, name="mfa_reauthenticate"),
    path("2fa/totp/activate/", totp_views.activate_totp, name="mfa_activate_totp"),
    path("2fa/totp/deactivate/", totp_views.deactivate_totp, name="mfa_deactivate_totp"),
    path("2fa/recovery-codes/", recovery_views.view_recovery_codes, name="mfa_view_recovery_codes"),
    path(
        "2fa/recovery-codes/generate/",
        recovery_views.generate_recovery_codes,
        name="mfa_generate_recovery_codes",
    ),
    path(
        "2fa/recovery-codes/download/",
        recovery_views.download_recovery_codes,
        name="mfa_download_recovery_codes",
    ),
]
