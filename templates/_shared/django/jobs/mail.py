"""Django's mail, through the outbox: the "default" mailer writes each message down, and
the worker sends it with the "delivery" mailer (settings.MAILERS) once the transaction
that wrote it has committed. A request never waits on a mail server or on the queue.
"""

from collections.abc import Sequence
from functools import partial

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction

from .models import OutgoingEmail
from .tasks import queue_delivery


class OutboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            if message.attachments:
                # Files do not belong in a database row; send such mail with
                # mail.mailers["delivery"] from a task instead.
                raise ValueError("the outbox does not take attachments")
            alternatives = getattr(message, "alternatives", [])
            email = OutgoingEmail.objects.create(
                from_email=message.from_email,
                recipients=list(message.to),
                cc=list(message.cc),
                bcc=list(message.bcc),
                reply_to=list(message.reply_to),
                subject=str(message.subject),
                body=str(message.body),
                alternatives=[[str(content), mimetype] for content, mimetype in alternatives],
                headers=dict(message.extra_headers),
            )
            # Queued only once the row is committed, so the worker always finds it.
            transaction.on_commit(partial(queue_delivery, email.pk), robust=True)
        return len(email_messages)
