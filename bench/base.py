"""What every part of the bench shares: its error, progress lines, customers' names."""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


class BenchError(RuntimeError):
    """The benchmark could not measure what it set out to (not a slow result)."""


_STARTED = time.monotonic()


def progress(message: str) -> None:
    print(f"bench [{time.monotonic() - _STARTED:5.1f}s]: {message}", file=sys.stderr, flush=True)


def customer_text(i: int) -> str:
    """``/remote-support`` text that starts an attended session for customer ``i``."""
    return f"Customer {i} customer{i}@example.com #{4000 + i}"
