"""scaffold: choose a Python web architecture and generate a project that stays current."""
