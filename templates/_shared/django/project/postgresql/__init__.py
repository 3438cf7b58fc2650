"""PostgreSQL, with a connection health check that skips the round trip on a busy connection."""
