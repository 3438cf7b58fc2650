"""Settings split by environment: development, test and production all extend base."""
