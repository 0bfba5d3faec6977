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
_MOD = 37
_FIRST_MOD = pow(_MOD, _BLOCK, 1 << 64)
_EOF = 65535


def line_hashes(text: str) -> dict[int, str]:
    """1-based line number -> ``"<hex>:<occurrence>"`` for every line of ``text``."""
    window = [0] * _BLOCK
    line_numbers = [-1] * _BLOCK
    state = {"hash": 0, "index": 0}
    counts: dict[str, int] = {}
    out: dict[int, str] = {}

    def output() -> None:
        value = format(state["hash"], "x")
        counts[value] = counts.get(value, 0) + 1
        out[line_numbers[state["index"]]] = f"{value}:{counts[value]}"
        line_numbers[state["index"]] = -1

    def update(current: int) -> None:
        index = state["index"]
        leaving = window[index]
        window[index] = current
        state["hash"] = (_MOD * state["hash"] + current - _FIRST_MOD * leaving) & _MASK
        state["index"] = (index + 1) % _BLOCK

    line_number = 0
    line_start = True
    prev_cr = False

    def process(current: int) -> None:
        nonlocal line_number, line_start, prev_cr
        if current in (0x20, 0x09) or (prev_cr and current == 0x0A):
            prev_cr = False
            return
        if current == 0x0D:
            current = 0x0A
            prev_cr = True
        else:
            prev_cr = False
        if line_numbers[state["index"]] != -1:
            output()
        if line_start:
            line_start = False
            line_number += 1
            line_numbers[state["index"]] = line_number
        if current == 0x0A:
            line_start = True
        update(current)

    data = text.encode("utf-16-le", "surrogatepass")
    for i in range(0, len(data), 2):
        process(data[i] | (data[i + 1] << 8))
    process(_EOF)
    for _ in range(_BLOCK):
        if line_numbers[state["index"]] != -1:
            output()
        update(0)
    return out
