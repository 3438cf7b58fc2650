from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, str]:
    """Make the site's name available to every template."""
    return {"site_name": settings.SITE_NAME}
