"""Errors the harness raises on purpose, each with the exit code its command uses."""

from __future__ import annotations


class LeakTestsError(Exception):
    """Base of every error the harness raises for the user to act on."""

    exit_code = 2


class UsageError(LeakTestsError):
    """An argument or option value is invalid; the message names it and the fix."""


class TargetError(UsageError):
    """A ``module:function`` or ``file.py:function`` target cannot be used."""


class ResultsFileError(LeakTestsError):
    """A results or baseline file is missing, corrupt or of another schema."""


class OutputError(LeakTestsError):
    """A report cannot be written where the user asked."""


class PeerServerError(LeakTestsError):
    """A local SMTP or WhatsApp server failed to start or to respond."""


class RegressionFound(LeakTestsError):
    """A comparison with a baseline found a scenario that got worse."""

    exit_code = 1
