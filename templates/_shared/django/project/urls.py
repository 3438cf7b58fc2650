"""URL routes: pages, accounts and the admin (at settings.ADMIN_URL). The health probes
are answered by `health.ProbeMiddleware`, before any route."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("accounts/", include("allauth.urls")),
    path("notes/", include("notes.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
]
