from django.core.mail import EmailMultiAlternatives
from django.db import models
from django.db.models import Q


class OutgoingEmail(models.Model):
    """A message waiting for the worker, or the record that it went out (or never will).

    The web process writes the row in the same transaction as whatever caused the mail
    (a new account, say), so a message is never lost to a rollback or a queue outage; the
    worker claims the row before it sends, so a message is never sent twice at once.
    """

    from_email = models.CharField(max_length=320)
    recipients = models.JSONField(default=list)
    cc = models.JSONField(default=list, blank=True)
    bcc = models.JSONField(default=list, blank=True)
    reply_to = models.JSONField(default=list, blank=True)
    subject = models.CharField(max_length=998)
    body = models.TextField(blank=True)
    # [[content, mimetype], ...]: the HTML version, when there is one.
    alternatives = models.JSONField(default=list, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # A worker holds the message until then; afterwards another may take it.
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ("-created_at",)
        indexes = (
            # What the relay scans every minute: only the messages still to send.
            models.Index(
                fields=["created_at"],
                name="jobs_outbox_pending",
                condition=Q(sent_at__isnull=True, failed_at__isnull=True),
            ),
        )

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.recipients)}"

    def as_message(self) -> EmailMultiAlternatives:
        message = EmailMultiAlternatives(
            subject=self.subject,
            body=self.body,
            from_email=self.from_email,
            to=self.recipients,
            cc=self.cc,
            bcc=self.bcc,
            reply_to=self.reply_to,
            headers=self.headers,
        )
        for content, mimetype in self.alternatives:
            message.attach_alternative(content, mimetype)
        return message


class FailedTask(models.Model):
    """A task that raised after its last retry: kept for a person to look at."""

    task_id = models.CharField(max_length=255, unique=True)
    task_name = models.CharField(max_length=255)
    arguments = models.TextField(blank=True)
    error = models.TextField()
    failed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-failed_at",)

    def __str__(self) -> str:
        return f"{self.task_name} ({self.task_id})"
