"""Properties every output format must have: valid SARIF for GitHub, byte-identical
results for the same tree, no secret values and no absolute paths of this machine."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
from click.testing import Result

from archguard.core.levels import Category
from archguard.report import github, json_report, sarif, text
from archguard.rules.registry import all_rules
from tests.conftest import (
    DATA,
    FIXTURE_DIRS,
    REPO,
    all_formats,
    assert_valid_sarif,
    fixture_report,
)

Cli = Callable[..., Result]
SCHEMA = DATA / "sarif" / "sarif-schema-2.1.0.json"
MULTITOOL_CONFIG = DATA / "sarif" / "multitool-github-rules.config.xml"
TOOLS = REPO / ".tools" / "sarif"
RULE_DOCS = "\n".join(f"{r.meta.name} {r.meta.summary} {r.meta.doc}" for r in all_rules())


def _all_formats(root: Path, tmp: Path, *extra: str) -> dict[str, str]:
    outputs = all_formats(root, tmp, *extra)
    assert_valid_sarif(outputs["sarif"])
    return outputs


@pytest.fixture(scope="module")
def sarif_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("sarif")
    files = []
    for root in FIXTURE_DIRS:
        report = fixture_report(root)
        path = out / f"{root.name}.sarif"
        path.write_text(sarif.render(report), encoding="utf-8")
        files.append(path)
    return files


def test_sarif_matches_the_official_schema(sarif_files: list[Path]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    for path in sarif_files:
        errors = [
            f"{list(e.absolute_path)}: {e.message}"
            for e in validator.iter_errors(json.loads(path.read_text()))
        ]
        assert errors == [], path.name


def test_sarif_carries_what_github_reads(sarif_files: list[Path]) -> None:
    for path in sarif_files:
        log = json.loads(path.read_text())
        run = log["runs"][0]
        assert log["$schema"] and run["automationDetails"]["id"] == "archguard/"
        rules = run["tool"]["driver"]["rules"]
        for rule in rules:
            assert rule["id"] != rule["name"]
            assert 0 < len(rule["shortDescription"]["text"]) <= 1024
            assert 0 < len(rule["fullDescription"]["text"]) <= 1024
            assert rule["help"]["text"] and rule["help"]["markdown"]
            props = rule["properties"]
            assert len(props["tags"]) <= 20
            if "security" not in props["tags"]:
                assert "security-severity" not in props, "GitHub files it as a security alert"
                continue
            assert any(t.startswith("external/cwe/cwe-") for t in props["tags"])
            assert (
                isinstance(props["security-severity"], str)
                and 0 < float(props["security-severity"]) <= 10
            )
        assert run["results"] or "_clean" in path.name, path.name
        for result in run["results"]:
            assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
            assert result["level"] in ("error", "warning", "note")
            location = result["locations"][0]["physicalLocation"]
            assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
            assert not location["artifactLocation"]["uri"].startswith(("/", "file:"))
            assert set(location["region"]) == {"startLine", "startColumn", "endLine", "endColumn"}
            assert ":" in result["partialFingerprints"]["primaryLocationLineHash"]
            assert result["fingerprints"]["archguard/v1"]


def _multitool() -> Path | None:
    binary = TOOLS / "node_modules" / "@microsoft" / "sarif-multitool-linux" / "Sarif.Multitool"
    if binary.exists():
        return binary
    if shutil.which("npm") is None or shutil.which("node") is None:
        return None
    TOOLS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "npm",
            "install",
            "--no-save",
            "--no-audit",
            "--no-fund",
            "--prefix",
            str(TOOLS),
            "@microsoft/sarif-multitool@5.7.0",
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return binary if binary.exists() else None


def test_sarif_passes_microsofts_multitool_with_github_rules(
    sarif_files: list[Path], tmp_path: Path
) -> None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not installed, so the SARIF multitool cannot be installed")
    binary = _multitool()
    assert binary is not None, "npm did not install @microsoft/sarif-multitool-linux"
    env = {**os.environ, "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1"}
    for path in sarif_files:
        log = tmp_path / f"{path.stem}.validation.sarif"
        done = subprocess.run(
            [
                str(binary),
                "validate",
                str(path),
                "--rule-kind",
                "Sarif;Ghas",
                "-c",
                str(MULTITOOL_CONFIG),
                "-o",
                str(log),
                "--log",
                "ForceOverwrite",
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=False,
        )
        # Its exit status is always 0: the verdict is in the log it writes.
        assert log.exists(), done.stdout + done.stderr
        validation = json.loads(log.read_text(encoding="utf-8-sig"))
        problems = []
        for run in validation["runs"]:
            for result in run.get("results", []):
                if result.get("level", "warning") in ("error", "warning"):
                    problems.append(f"{result.get('ruleId')}: {result.get('message')}")
            for inv in run.get("invocations", []):
                assert inv.get("executionSuccessful", True), done.stdout
        assert problems == [], f"{path.name}:\n" + "\n".join(problems) + "\n" + done.stdout


def test_outputs_are_byte_identical_across_runs(
    fixture_outputs: Callable[[Path], dict[str, str]], tmp_path: Path
) -> None:
    for root in FIXTURE_DIRS:
        # The shared cache-less single-process scan, against a parallel cold run that
        # writes the cache and a warm run that reads it.
        cold = fixture_outputs(root)
        shutil.rmtree(root / ".archguard_cache", ignore_errors=True)
        (tmp_path / "b").mkdir(exist_ok=True)
        (tmp_path / "c").mkdir(exist_ok=True)
        try:
            first = _all_formats(root, tmp_path / "b", "--jobs", "2")
            warm = _all_formats(root, tmp_path / "c")
        finally:
            shutil.rmtree(root / ".archguard_cache", ignore_errors=True)
        assert cold == first == warm, root.name


def _secret_values(report_root: Path) -> list[str]:
    """The literal text of every hardcoded-secret finding, read back from the source."""
    report = fixture_report(report_root)
    values = []
    for f in report.findings:
        if f.category is not Category.HARDCODED_SECRET:
            continue
        lines = (REPO / f.location.path).read_text(encoding="utf-8").splitlines()
        assert f.location.line == f.location.end_line
        literal = lines[f.location.line - 1][f.location.column - 1 : f.location.end_column - 1]
        value = literal.strip("'\"bfr")
        if f.rule_id == "AG103":  # only the password part of a URL is secret
            value = re.search(r"://[^/:@]*:([^@]+)@", value).group(1)  # type: ignore[union-attr]
        values.append(value)
    return values


def test_no_format_prints_a_secret_or_an_absolute_path(
    fixture_outputs: Callable[[Path], dict[str, str]],
) -> None:
    with_secrets = 0
    for root in FIXTURE_DIRS:
        secrets = _secret_values(root)
        with_secrets += bool(secrets)
        outputs = fixture_outputs(root)
        for fmt, output in outputs.items():
            assert str(REPO) not in output and str(Path.home()) + "/" not in output, fmt
            for value in secrets:
                # The value, or any 10-character piece of it, would be a leak.
                size = min(10, len(value))
                windows = {value[i : i + size] for i in range(len(value) - size + 1)}
                # Pieces that are words of archguard's own rule names and docs are not leaks.
                leaked = [w for w in windows if w in output and w not in RULE_DOCS]
                assert leaked == [], f"{fmt} output of {root.name} shows part of a secret"
    # Fixtures about other concerns hold no secret; enough others do for this to bite.
    assert with_secrets >= 5


def test_reporters_render_an_empty_report() -> None:
    from archguard.core.report import ScanReport

    empty = ScanReport((), (), (), 1, 1, 0, 0)
    assert "No problems found." in text.render(empty)
    assert json.loads(json_report.render(empty))["findings"] == []
    assert assert_valid_sarif(sarif.render(empty))["runs"][0]["results"] == []
    assert github.render(empty) == ""
