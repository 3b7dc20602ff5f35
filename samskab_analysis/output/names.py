"""Safe names from user input (file names, wave labels): stable slugs of bounded length."""

from __future__ import annotations

import hashlib
import re
import unicodedata

#: A name derived from user input has at most this many UTF-8 bytes (file systems allow 255 per name).
MAX_NAME_BYTES = 80
#: Names Windows reserves (a folder named ``con`` cannot be copied there).
RESERVED_NAMES = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
)

_SLUG_SEPARATORS = re.compile(r"[-\s]+")


def safe_name(text: object, *, default: str = "input", max_bytes: int = MAX_NAME_BYTES) -> str:
    """A file or folder name from user input: stable, no ``.``/``..``, no separators, bounded length.

    Letters and digits (any script, NFC), ``_``, ``-`` and inner ``.`` are kept; everything else (separators,
    spaces, control and format characters, quotes, ``<>``) becomes ``-``. Leading dots and dashes are dropped,
    Windows' reserved names get a ``_`` prefix, and a name longer than *max_bytes* UTF-8 bytes (or one that
    had to be changed beyond recognition, e.g. empty) ends in a short hash of the original so different
    inputs keep different names. The same input always gives the same name.
    """
    original = str(text)
    normal = unicodedata.normalize("NFC", original)
    kept = "".join(ch if (ch.isalnum() or ch in "_-.") and ch.isprintable() else "-" for ch in normal)
    kept = re.sub(r"\.{2,}", ".", kept)
    slug = _SLUG_SEPARATORS.sub("-", kept).strip("-.")
    digest = hashlib.sha256(original.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    if not slug:
        return f"{default}-{digest}"
    if slug.split(".")[0].lower() in RESERVED_NAMES:
        slug = "_" + slug
    if len(slug.encode("utf-8")) > max_bytes:
        cut = slug.encode("utf-8")[: max_bytes - 9].decode("utf-8", "ignore").rstrip("-.")
        slug = f"{cut}-{digest}"
    return slug
