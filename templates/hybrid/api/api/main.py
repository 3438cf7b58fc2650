"""The application uvicorn serves: `uvicorn api.main:app`.

Its settings are read, and checked, when this module is imported: without a usable
`API_SECRET_KEY` (or, in production, `DATABASE_URL`) the server does not start.
"""

from .application import create_app
from .logs import configure_logging
from .settings import Settings

settings = Settings()
configure_logging(settings.log_level)
app = create_app(settings)
