"""The ``plasma-spec`` command line."""
