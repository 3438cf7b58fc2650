"""URL routes: pages, accounts, the admin (at settings.ADMIN_URL) and the health probes."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from .health import healthz, livez

admin.site.site_header = f"{settings.SITE_NAME} administration"
admin.site.site_title = settings.SITE_NAME

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("livez", livez, name="livez"),
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("notes/", include("notes.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
]
