"""Names of the catalog's sites, patterns, contexts and conditions.

Kept apart from ``sites.py`` so that option parsing and scenario listing work
without importing the service.
"""

from __future__ import annotations

SITE_IDS = (
    "booking_whatsapp",
    "booking_item_email",
    "vendor_invite_on_create",
    "vendor_invite",
    "broker_invite_on_create",
    "broker_invite",
    "vendor_assignment_whatsapp",
    "booking_approval_notifications",
)
"""The service's eight dispatch sites, in the order of its admin routes."""

PATTERNS = ("fixed", "legacy")
CONTEXTS = ("helper", "thread", "pool")
PATTERN_CONTEXTS = (("fixed", "helper"), ("legacy", "thread"), ("legacy", "pool"))
"""Pairs that make sense: the fixed pattern always runs through the helper."""

CONDITIONS = ("ok", "slow", "failing", "dropped")
"""Server behaviours: ``failing`` rejects each message, ``dropped`` closes the
connection without a reply."""

DEFAULT_CONDITIONS = ("ok", "slow", "failing")
# NOTE: `dropped` is left out of the default matrix because it runs the same
# exception path in the job as `failing`. Pass --conditions to include it.

FAULT_CONDITIONS = frozenset({"slow", "failing", "dropped"})
