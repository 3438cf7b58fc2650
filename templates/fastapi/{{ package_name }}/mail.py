"""Outgoing mail. Where it goes comes from the `EMAIL_URL` setting:

- `consolemail://` prints each message on standard output (the default, but in production);
- `smtp://user:password@host:port` sends it over SMTP (port 25 unless named);
- `smtp+tls://...` the same after STARTTLS (port 587), `smtp+ssl://...` over TLS (465).

Routers hand messages to a `Mailer`; each goes out through `send_email` once the response
has been sent, so that an answer never waits on the mail server, nor shows by its timing
whether a message was sent.
"""

import asyncio
import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Literal, Protocol
from urllib.parse import unquote, urlsplit

from fastapi import BackgroundTasks

logger = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 10
Security = Literal["none", "starttls", "tls"]
# URL scheme -> how the connection is secured, and the port used when the URL names none.
SMTP_SCHEMES: dict[str, tuple[Security, int]] = {
    "smtp": ("none", 25),
    "smtp+tls": ("starttls", 587),
    "smtp+ssl": ("tls", 465),
}


class MailTransport(Protocol):
    def deliver(self, message: EmailMessage) -> None:
        """Send `message` now; slow, so called from a worker thread."""


class ConsoleTransport:
    def deliver(self, message: EmailMessage) -> None:
        print(message.as_string(), "-" * 79, sep="\n", flush=True)


@dataclass(frozen=True)
class SmtpTransport:
    host: str
    port: int
    security: Security
    username: str | None = None
    password: str | None = None

    def deliver(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        smtp = (
            smtplib.SMTP_SSL(self.host, self.port, timeout=SMTP_TIMEOUT_SECONDS, context=context)
            if self.security == "tls"
            else smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT_SECONDS)
        )
        with smtp:
            if self.security == "starttls":
                smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


def transport_from_url(url: str) -> MailTransport:
    """The transport `url` names; a ValueError (that does not repeat the URL) if none."""
    parts = urlsplit(url)
    if parts.scheme == "consolemail":
        return ConsoleTransport()
    if parts.scheme not in SMTP_SCHEMES or not parts.hostname:
        raise ValueError(
            "EMAIL_URL must be consolemail://, or smtp://, smtp+tls:// or smtp+ssl:// "
            f"with a host name, not {parts.scheme or 'no scheme'}://..."
        )
    security, default_port = SMTP_SCHEMES[parts.scheme]
    return SmtpTransport(
        host=parts.hostname,
        port=parts.port or default_port,
        security=security,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


async def send_email(transport: MailTransport, message: EmailMessage) -> None:
    """Deliver one message: the single way out for mail, whatever sends it."""
    try:
        await asyncio.to_thread(transport.deliver, message)
    except OSError:  # smtplib's errors included
        logger.exception("Could not send %r to %s", message["Subject"], message["To"])


class Mailer:
    """Writes messages from the project's address and sends them after the response."""

    def __init__(self, transport: MailTransport, sender: str, background: BackgroundTasks) -> None:
        self._transport = transport
        self._sender = sender
        self._background = background

    def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        self._background.add_task(send_email, self._transport, message)
