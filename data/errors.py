"""Errors that reach the user as one line."""


class InputError(ValueError):
    """A whole-file problem; the message is one line."""
