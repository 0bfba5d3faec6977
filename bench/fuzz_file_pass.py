"""The long fuzzing run of the per-file pass (the suite runs a short one).

    python bench/fuzz_file_pass.py [--examples 5000] [--seed 17]

Feeds generated programs (hypothesmith: Python's grammar and libcst's node types) and
mutated fixture files through the whole per-file pass, with every file rule and every
extractor, under three path kinds, and counts inputs, outcomes and crashes (anything
that is not a value, or an internal-error diagnostic). Prints the first crashes found
with the input that caused each. Exit status 1 when there was a crash.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import HealthCheck, Phase, given, seed, settings

from archguard.app.file_pass import file_pass
from archguard.rules.registry import all_rules
from archguard.scan.analyze import FileJob, analyze
from archguard.scan.file_rule import FileRule
from tests.fuzz_sources import crash, sources

PATHS = ("app/api/views.py", "config/settings/production.py", "tests/test_api.py")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    spec = file_pass([r for r in all_rules() if issubclass(r, FileRule)], 1 << 20)
    outcomes: Counter[str] = Counter()
    crashes: list[tuple[str, bytes]] = []
    slowest = [0.0]

    @seed(args.seed)
    @settings(
        max_examples=args.examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(sources())
    def run(data: bytes) -> None:
        for path in PATHS:
            started = time.process_time()
            outcome = analyze(FileJob(path, data, "app.module", False), spec)
            slowest[0] = max(slowest[0], time.process_time() - started)
            kind = type(outcome).__name__
            if kind != "Analysed":
                kind += ":" + outcome.diagnostic.kind.value  # type: ignore[union-attr]
            outcomes[kind] += 1
            why = crash(outcome)
            if why is not None:
                crashes.append((why, data))

    started = time.monotonic()
    run()
    inputs = sum(outcomes.values())
    print(
        f"{inputs} inputs ({inputs // len(PATHS)} sources x {len(PATHS)} paths), "
        f"seed {args.seed}, {time.monotonic() - started:.0f} s, "
        f"slowest file {slowest[0]:.2f} CPU s"
    )
    for kind, count in outcomes.most_common():
        print(f"  {count:6d}  {kind}")
    print(f"{len(crashes)} crashes")
    for why, data in crashes[:5]:
        print(f"- {why}\n  input: {data[:300]!r}")
    return 1 if crashes else 0


if __name__ == "__main__":
    raise SystemExit(main())
