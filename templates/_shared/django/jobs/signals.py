"""Tasks that fail for good leave a row behind (FailedTask, in the admin)."""

from typing import Any

from celery.signals import task_failure

from .models import FailedTask


@task_failure.connect
def record_failed_task(
    sender: Any = None,
    task_id: str | None = None,
    exception: BaseException | None = None,
    args: tuple[Any, ...] | None = None,
    kwargs: dict[str, Any] | None = None,
    **_: Any,
) -> None:
    # task_failure fires once a task gives up: retries raise Retry, which is not a failure.
    FailedTask.objects.update_or_create(
        task_id=task_id or "",
        defaults={
            "task_name": getattr(sender, "name", str(sender)),
            "arguments": repr((args or (), kwargs or {}))[:2000],
            "error": f"{type(exception).__name__}: {exception}"[:2000],
        },
    )
