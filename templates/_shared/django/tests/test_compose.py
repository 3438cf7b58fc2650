"""compose.yml, read as text: the stack must not fall back to a guessable password."""

import re
from pathlib import Path

from django.conf import settings

COMPOSE = Path(settings.BASE_DIR) / "compose.yml"


def test_compose_refuses_to_start_without_a_database_password() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    # PostgreSQL's own password and every DATABASE_URL built from it.
    uses = re.findall(r"\$\{POSTGRES_PASSWORD([^}]*)\}", text)
    assert len(uses) >= 2
    # `:?` makes compose stop with a message; `:-default` would hand out the default.
    assert all(use.startswith(":?") for use in uses), uses
    urls = re.findall(r"DATABASE_URL: (\S+)", text)
    assert urls
    assert all("${POSTGRES_PASSWORD:?" in url for url in urls), urls
