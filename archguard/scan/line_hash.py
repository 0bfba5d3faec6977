"""GitHub's ``primaryLocationLineHash``, computed exactly as codeql-action's upload step.

The value must match what ``github/codeql-action/upload-sarif`` would compute from the
checked-out file, or the action keeps ours and alerts stop matching across runs. The
algorithm: a rolling hash over the next 100 characters (UTF-16 code units, spaces and
tabs dropped, line endings folded to LF) from the first character of each line, in
wrapping 64-bit arithmetic, numbered by how often each hash was already seen.
"""

from __future__ import annotations

_BLOCK = 100
_MASK = (1 << 64) - 1
_FIRST_MOD = pow(37, _BLOCK, 1 << 64)
_EOF = 65535


def _kept_units(text: str) -> list[int]:
    """UTF-16 code units with spaces and tabs removed and CR / CRLF folded to LF."""
    # Line endings first: a CR, spaces, then an LF are two line ends, as in codeql-action.
    folded = text.replace("\r\n", "\n").replace("\r", "\n").replace(" ", "").replace("\t", "")
    data = folded.encode("utf-16-le", "surrogatepass")
    return list(memoryview(data).cast("H"))


def line_hashes(text: str, upto: int = 0) -> dict[int, str]:
    """1-based line number -> ``"<hex>:<occurrence>"`` for every line of ``text``, or
    for lines 1 to ``upto`` when it is set (a line's hash depends only on what precedes
    and follows it within 100 characters, its occurrence number on the lines before)."""
    units = _kept_units(text)
    units.append(_EOF)
    units.extend([0] * _BLOCK)
    # Line N starts at its first kept unit: position 0 and every position after an LF.
    starts: dict[int, int] = {}
    line = 1
    if units:
        starts[0] = 1
    last = len(units) - _BLOCK  # the EOF marker; the zeros after it only flush
    for index in range(last):
        if units[index] == 0x0A and index + 1 <= last:
            line += 1
            starts[index + 1] = line
    counts: dict[str, int] = {}
    out: dict[int, str] = {}
    value = 0
    for index, unit in enumerate(units):
        start = index - _BLOCK
        if start >= 0 and start in starts:
            digest = format(value, "x")
            counts[digest] = counts.get(digest, 0) + 1
            out[starts[start]] = f"{digest}:{counts[digest]}"
            if starts[start] == upto:
                break
        leaving = units[start] if start >= 0 else 0
        value = (37 * value + unit - _FIRST_MOD * leaving) & _MASK
    return out
