"""Japanese mail text from bytes, whatever the sender's software did to the charset label.

Mail clients label Windows Shift_JIS (with its NEC and IBM extensions: ①, ㈱, 髙) as plain `Shift_JIS`, and
write the same extensions inside `ISO-2022-JP`; some send 8-bit text with no label at all. Decoding with the
strict codecs those labels name would turn a customer's words into replacement characters, so each label is
read as the superset Japanese mail software actually writes, and unlabelled text is tried in the order that
is least likely to be wrong.
"""

from __future__ import annotations

import codecs

# Labels read as the superset that Japanese mail software writes under them.
_SUPERSETS = {
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "csshiftjis": "cp932",
    "euc-jp": "euc_jis_2004",
    "x-euc-jp": "euc_jis_2004",
    "eucjp": "euc_jis_2004",
    "us-ascii": "utf-8",
    "ascii": "utf-8",
}
_ISO2022JP = frozenset({"iso-2022-jp", "iso2022jp", "csiso2022jp", "iso-2022-jp-1", "iso-2022-jp-2", "iso-2022-jp-3"})
# Unlabelled 8-bit text: UTF-8 is strict enough to be recognised; cp932 and EUC-JP are then told apart by
# which one decodes without errors (cp932 first: it is what Windows mail software sends).
_GUESSES = ("utf-8", "cp932", "euc_jis_2004")
_ESC = 0x1B


def decode_text(data: bytes, charset: str | None) -> tuple[str, bool]:
    """The text of `data` labelled `charset`, and whether it decoded cleanly (False: characters were replaced)."""
    label = (charset or "").strip().strip('"').lower()
    if label in _ISO2022JP or (not label and _ESC in data and data.isascii()):
        return _decode_iso2022jp(data)
    if label:
        codec = _SUPERSETS.get(label, label)
        try:
            codecs.lookup(codec)
        except LookupError:
            codec = ""  # an unknown label is treated as no label
        if codec:
            try:
                return data.decode(codec), True
            except UnicodeDecodeError:
                pass
    for guess in _GUESSES:
        try:
            return data.decode(guess), True
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace"), False


def _decode_iso2022jp(data: bytes) -> tuple[str, bool]:
    # Plain JIS X 0208 first; then JIS X 0213 (ESC $ ( Q), which a few Japanese clients write.
    for codec in ("iso2022_jp", "iso2022_jp_2004"):
        try:
            return data.decode(codec), True
        except UnicodeDecodeError:
            continue
    # What Windows writes as ISO-2022-JP (Microsoft's CP50220): JIS X 0208 rows extended with the NEC and IBM
    # characters at their cp932 positions. Each two-byte JIS code maps to one Shift_JIS code, read as cp932.
    out: list[str] = []
    mode = "ascii"
    clean = True
    index = 0
    while index < len(data):
        byte = data[index]
        if byte == _ESC:
            sequence = data[index + 1 : index + 3]
            if sequence in (b"$@", b"$B"):
                mode = "jis"
            elif sequence in (b"(B", b"(J"):
                mode = "ascii"
            elif sequence == b"(I":
                mode = "kana"
            else:
                clean = False
            index += 3
            continue
        if mode == "jis" and byte > 0x20 and index + 1 < len(data):
            first, second = byte, data[index + 1]
            lead = ((first + 1) >> 1) + (0x70 if first <= 0x5E else 0xB0)
            trail = second + (0x1F if second < 0x60 else 0x20) if first & 1 else second + 0x7E
            try:
                out.append(bytes((lead, trail)).decode("cp932"))
            except (UnicodeDecodeError, ValueError):
                out.append("\ufffd")
                clean = False
            index += 2
            continue
        if mode == "kana" and 0x21 <= byte <= 0x5F:
            out.append(bytes((byte + 0x80,)).decode("cp932"))
        else:
            out.append(chr(byte) if byte < 0x80 else "\ufffd")
            clean = clean and byte < 0x80
        index += 1
    return "".join(out), clean
