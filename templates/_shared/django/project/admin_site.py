"""The admin, signed in to through the site's own sign-in.

Django's admin has a password form of its own, which allauth's rate limits and second
factor never see. Here that form is gone: signing in to the admin is signing in to the
site (allauth's login, then its authenticator-code step), and with ADMIN_REQUIRE_MFA staff
enter only once they have a second factor.
"""

from typing import Any

from allauth.account.decorators import secure_admin_login
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.decorators import method_decorator


class AdminSite(admin.AdminSite):
    site_header = f"{settings.SITE_NAME} administration"
    site_title = settings.SITE_NAME

    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        return not settings.ADMIN_REQUIRE_MFA or is_mfa_enabled(request.user)

    # allauth's decorator sends visitors who are not signed in to the site's sign-in
    # (coming back here after it) and refuses signed-in members who are not active staff.
    @method_decorator(secure_admin_login)
    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Signed-in staff only: on to the admin, or first to set up a second factor.

        Django's own sign-in form is never shown or processed, so it cannot be used to
        guess passwords, or to switch to another account without its second factor.
        """
        if self.has_permission(request):
            return redirect(f"{self.name}:index")
        messages.info(request, "Set up two-factor authentication to use the admin.")
        return redirect("mfa_activate_totp")
