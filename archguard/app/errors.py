"""Errors that end a command with exit status 2 (usage, configuration, I/O)."""

from __future__ import annotations


class UsageError(Exception):
    """The user asked for something that cannot be done; the message says what."""
