"""Property: whatever bytes a file holds, the whole per-file pass (decoding, parsing or
lowering, every extractor, every file rule) gives a value, and never an internal
error. Fixed seed and a bounded number of examples, to fit in CI; bench/
fuzz_file_pass.py runs the same properties for longer."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from archguard.app.file_pass import file_pass
from archguard.rules.registry import all_rules
from archguard.scan.analyze import FileJob, analyze
from archguard.scan.file_rule import FileRule
from tests.fuzz_sources import crash, mutated, sources

SPEC = file_pass([r for r in all_rules() if issubclass(r, FileRule)], 1 << 20)
FUZZ = settings(
    max_examples=60,
    derandomize=True,  # a fixed seed: the same examples on every run
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _check(data: bytes, path: str = "app/api/views.py") -> None:
    outcome = analyze(FileJob(path, data, "app.api.views", False), SPEC)
    assert crash(outcome) is None, crash(outcome)


@FUZZ
@given(sources())
def test_generated_and_mutated_sources_always_give_a_value(data: bytes) -> None:
    _check(data)


@FUZZ
@given(mutated())
def test_mutated_settings_and_tests_give_a_value(data: bytes) -> None:
    # Path kinds change what the rules do (settings rules, test leniency).
    _check(data, "config/settings/production.py")
    _check(data, "tests/test_api.py")
