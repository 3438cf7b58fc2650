"""Tasks the worker runs: mail delivery from the outbox, its relay, and the nightly purge."""

import logging
from datetime import timedelta

from celery import Task, shared_task
from django.conf import settings
from django.core.management import call_command
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError

from .models import OutgoingEmail

logger = logging.getLogger(__name__)

DELIVERY_MAILER = "delivery"
MAX_ATTEMPTS = 5
RETRY_BASE_SECONDS = 30
# The relay leaves a message this young alone: its own delivery may still be on its way.
RELAY_AFTER = timedelta(seconds=30)
RELAY_BATCH = 500
KEEP_SENT = timedelta(days=30)


def queue_delivery(email_id: int) -> None:
    """Hand a message to the worker; while the queue is down the relay sends it later."""
    try:
        # No retries: the caller (a request, often) must not wait for Redis to come back.
        deliver_email.apply_async((email_id,), retry=False)
    except (OperationalError, OSError):
        logger.warning("The queue is unreachable: message %s waits for the relay", email_id)


def _claim(email_id: int) -> bool:
    """Take the message for this worker, unless it is sent, given up, or held by another."""
    now = timezone.now()
    claimed = OutgoingEmail.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        pk=email_id,
        sent_at__isnull=True,
        failed_at__isnull=True,
    ).update(
        claimed_until=now + timedelta(seconds=settings.OUTBOX_CLAIM_SECONDS),
        attempts=F("attempts") + 1,
    )
    return claimed == 1


@shared_task(bind=True)
def deliver_email(self: Task[..., str], email_id: int) -> str:
    """Send one outbox message, at most once, retrying with backoff while the server fails."""
    if not _claim(email_id):
        return "not sent here: already sent, given up, or held by another worker"
    email = OutgoingEmail.objects.get(pk=email_id)
    try:
        email.as_message().send(using=DELIVERY_MAILER)
    except OSError as exc:  # smtplib's errors included
        now = timezone.now()
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if email.attempts >= MAX_ATTEMPTS:
            OutgoingEmail.objects.filter(pk=email_id).update(
                failed_at=now, claimed_until=None, last_error=error
            )
            logger.error(
                "Gave up on message %s after %s attempts: %s", email_id, email.attempts, error
            )
            return "failed for good"
        countdown = RETRY_BASE_SECONDS * 2 ** (email.attempts - 1)
        # Held until the retry is due, so that the relay leaves it to the retry.
        OutgoingEmail.objects.filter(pk=email_id).update(
            claimed_until=now + timedelta(seconds=countdown), last_error=error
        )
        raise self.retry(exc=exc, countdown=countdown) from exc
    OutgoingEmail.objects.filter(pk=email_id).update(
        sent_at=timezone.now(), claimed_until=None, last_error=""
    )
    return "sent"


@shared_task
def relay_outbox() -> int:
    """Queue again the messages whose delivery never reached the worker (Redis was away)."""
    now = timezone.now()
    pending = list(
        OutgoingEmail.objects.filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
            sent_at__isnull=True,
            failed_at__isnull=True,
            created_at__lt=now - RELAY_AFTER,
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:RELAY_BATCH]
    )
    for email_id in pending:
        queue_delivery(email_id)
    return len(pending)


@shared_task
def purge_expired() -> int:
    """Drop expired sessions, and sent mail older than a month; the number of messages."""
    call_command("clearsessions")
    deleted, _ = OutgoingEmail.objects.filter(sent_at__lt=timezone.now() - KEEP_SENT).delete()
    return deleted
