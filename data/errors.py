"""Errors that reach the user as one line, and the one rule for what such a line may say.

Every error claimscreen raises on purpose is a :class:`ClaimscreenError`; its
message is written by claimscreen, names files, lines, columns and counts, and
never quotes a value read from a claim. Its ``exit_code`` is what the command
exits with.

Any other exception (a library's, a bug's) may quote the data it choked on: a
parser quotes the row, a converter the value. :func:`safe_message` turns it
into a line that keeps the kind of error and where it happened but not the
library's words, and :func:`without_cause` drops the chained exceptions that
would carry those words into a log or a traceback.
"""

from __future__ import annotations

import traceback
from pathlib import Path

_PACKAGE_ROOT = str(Path(__file__).resolve().parent.parent)
EXIT_BAD_INPUT = 2
EXIT_FAILED = 1

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_FAILED",
    "ClaimscreenError",
    "InputError",
    "StageError",
    "safe_message",
    "without_cause",
]


class ClaimscreenError(ValueError):
    """An error claimscreen raises on purpose: a one-line message free of claim data."""

    exit_code = EXIT_BAD_INPUT


class InputError(ClaimscreenError):
    """A wrong input or command (a whole-file problem, an unknown night); the message is one line."""


class StageError(ClaimscreenError):
    """An unexpected failure inside a stage, retold without the data its message may have quoted."""

    exit_code = EXIT_FAILED


def safe_message(error: BaseException) -> str:
    """One line for ``error`` that a log, a report or an alert may carry.

    A :class:`ClaimscreenError`'s own message is kept (claimscreen writes it to be
    safe). An operating-system error keeps its reason and file (a full disk, a
    missing folder), an import error the module it could not import. Any other
    error keeps its type and the line of claimscreen's code it came through, and
    never its message: a parser quotes the row it stopped at, a converter the
    value, and no rule can tell a name from a word.
    """
    if isinstance(error, ClaimscreenError):
        text = str(error).strip()
        return text.splitlines()[0] if text else type(error).__name__
    kind = type(error).__name__
    if isinstance(error, ImportError):  # names a module, never data
        return f"{kind}: {str(error).strip().splitlines()[0] if str(error).strip() else error.name}"
    if isinstance(error, OSError) and error.strerror:
        return f"{kind}: {error.strerror}" + (f" ({error.filename})" if error.filename else "")
    where = _raised_at(error)
    return f"{kind} at {where} (its message is withheld: it may quote claim data)" if where else kind


def _raised_at(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__) if error.__traceback__ else []
    ours = [f for f in frames if f.filename.startswith(_PACKAGE_ROOT)]
    if not (ours or frames):
        return ""
    frame = (ours or frames)[-1]
    return f"{Path(frame.filename).name}:{frame.lineno}"


def without_cause(error: BaseException) -> BaseException:
    """``error`` made safe to raise on into a log: a claimscreen error loses the exceptions
    chained to it (a library's message may quote a row); any other becomes a
    :class:`StageError` with :func:`safe_message`'s line.

    Use as ``raise without_cause(exc) from None``.
    """
    if isinstance(error, ClaimscreenError):
        error.__cause__ = None
        error.__context__ = None
        error.__suppress_context__ = True
        return error
    return StageError(safe_message(error))
