"""The application uvicorn serves: `uvicorn api.main:app`.

Its settings are read, and checked, when this module is imported: without a usable
`API_SECRET_KEY` (or, in production, `DATABASE_URL`) the server does not start.
"""

from .application import create_app

app = create_app()
