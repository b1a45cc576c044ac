"""Text that may leave the service: no absolute server path, no raw exception dump.

Public answers (/health, /model/info, /metrics, error bodies) say WHAT went wrong in words a client
can act on; the full exception, with paths and traceback, goes to the service log only.
"""

from __future__ import annotations

import re
from pathlib import Path

#: An absolute POSIX path (or a Windows drive path) inside a message.
_ABSOLUTE = re.compile(r"(?<![\w.])(?:[A-Za-z]:\\|/)(?:[^\s'\"():,;]+)")
_MAX_CHARS = 300


def scrub_paths(text: str, *roots: Path | None) -> str:
    """``text`` with every absolute path replaced: relative to a given root when inside it, else its
    file name."""
    out = text
    for root in roots:
        if root is not None:
            prefix = str(root).rstrip("/")
            out = out.replace(prefix + "/", "").replace(prefix, ".")

    def _name(match: re.Match[str]) -> str:
        return Path(match.group(0)).name or "<path>"

    return _ABSOLUTE.sub(_name, out)


def public_error(exc: BaseException, *roots: Path | None) -> str:
    """One line for clients: the exception's message without paths, or its type if it has none."""
    message = scrub_paths(str(exc).strip().splitlines()[0] if str(exc).strip() else "", *roots)
    text = message or type(exc).__name__
    return text if len(text) <= _MAX_CHARS else text[: _MAX_CHARS - 3] + "..."


__all__ = ["public_error", "scrub_paths"]
