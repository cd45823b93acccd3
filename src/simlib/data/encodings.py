"""CSV text encodings: naming them, detecting them, and noticing when detection was wrong.

When no encoding is given, each CSV is tried as strict UTF-8 (with or without a
byte-order mark), then as GB18030 (a superset of GBK and GB2312, what Excel on a
Chinese system writes); UTF-16 is recognised by its byte-order mark or its zero
bytes. GB18030 decodes almost any bytes, so text read that way is checked for
mojibake (:func:`looks_misdecoded`). See :mod:`simlib.data.io` for the limits.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pandas as pd

from simlib.errors import SimlibError
from simlib.i18n import N_, _

__all__ = [
    "COMMON_ENCODINGS",
    "DETECT_ENCODINGS",
    "MOJIBAKE_MIN",
    "MOJIBAKE_SHARE",
    "EncodingNameError",
    "check_encoding",
    "decode_error_at",
    "detect_encoding",
    "looks_misdecoded",
    "utf16_guess",
    "where_undecodable",
]

#: Encodings tried, in order, when a CSV's encoding is not given. ``utf-8-sig``
#: reads UTF-8 with or without a byte-order mark; GB18030 is a superset of GBK and
#: GB2312, which is what Excel on a Chinese-locale Windows writes.
DETECT_ENCODINGS: tuple[str, ...] = ("utf-8-sig", "gb18030")


class EncodingNameError(SimlibError, LookupError):
    """An encoding name Python does not know (``encoding="foo"``)."""


#: Encodings worth naming to a user, with what writes them.
COMMON_ENCODINGS = N_(
    "utf-8, utf-8-sig (UTF-8 with the byte-order mark Excel writes), "
    "gb18030 (Excel on a Chinese system; a superset of gbk and gb2312), "
    "big5 (Traditional Chinese), cp1252 (Excel on a Western European system)"
)


def check_encoding(encoding: str) -> str:
    """The encoding's canonical name, or :class:`EncodingNameError` naming the usual ones."""
    try:
        return codecs.lookup(encoding).name
    except (LookupError, TypeError):
        raise EncodingNameError(
            _(
                "unknown encoding {encoding}: give a Python codec name such as "
                "{encodings}; or leave it out to detect UTF-8 / GB18030"
            ).format(encoding=repr(encoding), encodings=_(COMMON_ENCODINGS))
        ) from None


def detect_encoding(path: str | Path) -> str | None:
    """The first of UTF-8 (with or without BOM) and GB18030 that decodes the whole file,
    or UTF-16 when the file has its byte-order mark or its zero bytes.

    Returns ``"utf-8-sig"`` when the file starts with a byte-order mark,
    ``"utf-8"`` for other UTF-8 (plain ASCII included), ``"gb18030"``,
    ``"utf-16"`` (marked) / ``"utf-16-le"`` / ``"utf-16-be"``, or
    ``None`` when neither decodes. The file is streamed in 1 MiB blocks, so a
    large export is checked without holding it in memory.
    """
    with open(path, "rb") as f:
        head = f.read(4096)
    bom = head.startswith(codecs.BOM_UTF8)
    utf16 = utf16_guess(head)
    for enc in (utf16,) if utf16 else DETECT_ENCODINGS:
        dec = codecs.getincrementaldecoder(enc)(errors="strict")
        try:
            with open(path, "rb") as f:
                while chunk := f.read(1 << 20):
                    dec.decode(chunk)
                dec.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        if enc == "utf-8-sig":
            return "utf-8-sig" if bom else "utf-8"
        return enc
    return None


def utf16_guess(head: bytes) -> str | None:
    """``utf-16`` for a UTF-16 byte-order mark; ``utf-16-le`` / ``-be`` for text whose
    every other byte is zero (a UTF-16 export of mostly ASCII, saved without a mark);
    else None. UTF-8 and GB18030 text never holds zero bytes."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(head) < 4 or b"\x00" not in head:
        return None
    # ASCII (digits, commas, ids) dominates an export: its zero byte sits after it in
    # little-endian order, before it in big-endian; a CJK character seldom has one.
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if odd > len(head) // 4 and even * 10 < odd:
        return "utf-16-le"
    if even > len(head) // 4 and odd * 10 < even:
        return "utf-16-be"
    return None


def decode_error_at(path: str | Path, encoding: str) -> tuple[int, int, bytes] | None:
    """Where ``encoding`` first fails on a file: (byte offset from 0, line from 1, bytes).

    ``None`` when the whole file decodes. Streams the file in 1 MiB blocks.
    """
    dec = codecs.getincrementaldecoder(encoding)(errors="strict")
    start = 0
    with open(path, "rb") as f:
        while True:
            chunk = f.read(1 << 20)
            pending = len(dec.getstate()[0])
            try:
                dec.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                offset = start - pending + exc.start
                break
            if not chunk:
                return None
            start += len(chunk)
    lines = 1
    with open(path, "rb") as f:
        done = 0
        while done < offset:
            block = f.read(min(1 << 20, offset - done))
            lines += block.count(b"\n")
            done += len(block)
        bad = f.read(4)
    return offset, lines, bad


def where_undecodable(path: Path, encoding: str) -> tuple[int | None, str, str]:
    """Row, the bytes found, and the position as text, for a decoding problem."""
    at = decode_error_at(path, encoding)
    if at is None:
        return None, "", ""
    offset, line, bad = at
    return (
        line,
        "bytes " + " ".join(f"{b:02x}" for b in bad),
        _("line {line}, byte {offset} (counting from 0)").format(line=line, offset=f"{offset:,}"),
    )


#: Share of rare characters above which GB18030-decoded text is taken for mojibake.
MOJIBAKE_SHARE = 0.25
#: ... and how many rare characters that takes at least (one rare name is not mojibake).
MOJIBAKE_MIN = 3


def _rare_in_gb(ch: str) -> bool:
    """A character outside GB2312 (the 6,763 common simplified hanzi and symbols), or
    kana / vertical punctuation, which Chinese HR exports do not hold."""
    if "\u3040" <= ch <= "\u30ff" or "\ufe10" <= ch <= "\ufe4f":
        return True
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return True
    return False


def looks_misdecoded(df: pd.DataFrame) -> tuple[str, str, int, int] | None:
    """Whether text decoded as GB18030 looks like another encoding misread (mojibake).

    GB18030 decodes almost any byte sequence, so a cp1252 (Latin) or Big5
    (Traditional Chinese) file "decodes" into rare characters: ``Renée Müller``
    becomes ``Ren閑 M黮ler``. Real simplified-Chinese exports use the common
    GB2312 characters almost exclusively (a rare name character now and then).
    Flagged when at least :data:`MOJIBAKE_MIN` non-ASCII characters, and more
    than :data:`MOJIBAKE_SHARE` of them, are rare (outside GB2312, or kana).

    Returns
    -------
    tuple or None
        (column, a sample value, rare characters, non-ASCII characters), or
        ``None`` when the text looks right.
    """
    n_odd = n_all = 0
    first: tuple[str, str] | None = None
    for col in [None, *df.columns]:
        if col is None:
            values = [str(c) for c in df.columns]
        else:
            values = [v for v in pd.unique(df[col].dropna()) if isinstance(v, str)]
        for v in values:
            if v.isascii():
                continue
            wide = [c for c in v if ord(c) > 127]
            odd = sum(_rare_in_gb(c) for c in wide)
            n_all += len(wide)
            n_odd += odd
            if odd and first is None:
                first = (str(col) if col is not None else "(header)", v)
    if first is not None and n_odd >= MOJIBAKE_MIN and n_odd > MOJIBAKE_SHARE * n_all:
        return first[0], first[1], n_odd, n_all
    return None
