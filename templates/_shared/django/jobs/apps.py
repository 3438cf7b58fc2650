from django.apps import AppConfig


class JobsConfig(AppConfig):
    """Background work: the mail outbox, its delivery, and the record of failed tasks."""

    name = "jobs"
    verbose_name = "Background jobs"

    def ready(self) -> None:
        # Connects the handler that records tasks which failed for good.
        from . import signals  # noqa: F401
