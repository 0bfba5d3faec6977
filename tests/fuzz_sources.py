"""Sources for fuzzing the per-file pass: programs generated from Python's grammar and
from libcst's node types (hypothesmith), and realistic backend files mutated the way
editors, merges and generators break them. Shared by the suite's property test and the
longer run in bench/fuzz_file_pass.py."""

from __future__ import annotations

from pathlib import Path

import hypothesmith
from hypothesis import strategies as st

from archguard.core.outcomes import Analysed, DiagnosticKind, Failed, FileOutcome, Skipped

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
#: Realistic seeds: every sample backend's files (routes, models, settings, queries).
SEEDS = sorted(p.read_bytes() for p in FIXTURES.rglob("*.py") if p.stat().st_size < 20_000)

#: Fragments that stress the parser and the visitors when spliced into a file.
_SPLICES = (
    b"(" * 300,
    b")" * 300,
    b"[" * 250 + b"]" * 250,
    b" + ".join([b"x"] * 3000),
    b"".join(b".filter(a=%d)" % i for i in range(400)),
    b"except ValueError, TypeError:\n",
    b"type Alias[T] = list[T]\n",
    b'f"{x!r:>{width}} {"nested"}"\n',
    b"\x00",
    b"\xff\xfe",
    b"\r",
    b"\t" * 120 + b"pass\n",
    b"# -*- coding: latin-1 -*-\n",
    b"# -*- coding: no-such-codec -*-\n",
    b"lambda: " * 200 + b"0\n",
    b"\\\n",
    b'"""',
    b"@",
    b"async ",
    b"match x:\n    case {**rest}: pass\n",
)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A fixture file with a few edits: cut, duplicated or swapped slices, random
    bytes, and splices of hostile fragments."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        size = len(data)
        start = draw(st.integers(0, size))
        end = draw(st.integers(start, min(size, start + 400)))
        action = draw(st.sampled_from(["cut", "duplicate", "bytes", "splice", "swap"]))
        if action == "cut":
            del data[start:end]
        elif action == "duplicate":
            data[start:start] = data[start:end]
        elif action == "bytes":
            data[start:end] = draw(st.binary(max_size=16))
        elif action == "splice":
            data[start:start] = draw(st.sampled_from(_SPLICES))
        else:
            data[start:end] = bytes(reversed(data[start:end]))
    return bytes(data)


def sources() -> st.SearchStrategy[bytes]:
    """Generated programs (valid per the grammar, or built from libcst nodes) and
    mutated real files."""
    generated = st.one_of(
        hypothesmith.from_grammar(auto_target=False),
        hypothesmith.from_node(auto_target=False),
    ).map(lambda text: text.encode("utf-8", "surrogatepass"))
    return st.one_of(generated, mutated())


def crash(outcome: object) -> str | None:
    """Why an outcome counts as a crash (not a value, or an internal error), or None."""
    if not isinstance(outcome, (Analysed, Failed, Skipped)):
        return f"not an outcome: {outcome!r}"
    typed: FileOutcome = outcome
    diagnostics = typed.diagnostics if isinstance(typed, Analysed) else (typed.diagnostic,)
    for diagnostic in diagnostics:
        if diagnostic.kind is DiagnosticKind.INTERNAL_ERROR:
            return diagnostic.message
    return None
