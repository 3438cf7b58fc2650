from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import FailedTask, OutgoingEmail


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """Records written by the worker: to read, not to edit."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ReadOnlyAdmin):
    list_display = ("subject", "created_at", "attempts", "sent_at", "failed_at")
    list_filter = ("sent_at", "failed_at")
    search_fields = ("subject",)
    # Bodies hold sign-in and password-reset links: staff have no business reading them.
    exclude = ("body", "alternatives")


@admin.register(FailedTask)
class FailedTaskAdmin(ReadOnlyAdmin):
    list_display = ("task_name", "task_id", "failed_at")
    search_fields = ("task_name", "task_id")
