"""Text normalisation shared by every ingest step: how a header or an answer cell is compared."""

from __future__ import annotations

import re
import unicodedata

APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})
# zero-width space/joiners, word joiner, BOM, soft hyphen, Mongolian vowel separator, bidi marks and isolates
INVISIBLE = dict.fromkeys(
    map(
        ord,
        "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
    )
)


def normal_text(value: object) -> str:
    """Case-folded text: odd spaces collapsed, invisible characters removed, apostrophes straightened."""
    text = unicodedata.normalize("NFKC", str(value)).translate(APOSTROPHES).translate(INVISIBLE)
    return " ".join(text.split()).casefold()


def column_key(name: object) -> str:
    """A column name reduced for matching: ``'Figur 07:'`` -> ``'figur_07'``, ``'$id'`` -> ``'id'``."""
    text = normal_text(name).lstrip("'$").rstrip(".:;?! ")
    return re.sub(r"[\s\-.]+", "_", text)


def text_key(text: object) -> str:
    """Question text reduced to its words: case, punctuation, accents of spacing and a trailing ``?`` ignored."""
    words = re.sub(r"[\W_]+", " ", normal_text(text))
    return " ".join(words.split())
