"""Settings for working on the project locally: debug pages, mail printed to the console."""

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, SECRET_KEY, env

DEBUG = env.bool("DEBUG", default=True)
# Good enough on a laptop; production refuses to start without a real one.
SECRET_KEY = SECRET_KEY or "development-only-secret-key-never-use-it-in-production"
ALLOWED_HOSTS = ALLOWED_HOSTS or ["localhost", "127.0.0.1", "[::1]"]
# A fresh local database needs no authenticator app to open the admin.
ADMIN_REQUIRE_MFA = env.bool("ADMIN_REQUIRE_MFA", default=False)
