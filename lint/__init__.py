"""Lint checks of this project that its tools do not have built in (``make lint``)."""
