"""What the taint rules share: a rule declares the sink kinds it reports, the source
kinds it follows and the sanitizer kinds that cut its flows; the engine finds the paths,
and this turns each into a finding at the place to fix it, with the whole path as a
code flow."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import ClassVar

from archguard.core.findings import Finding, Location
from archguard.core.levels import Confidence, Severity
from archguard.core.taint import ALL_KINDS
from archguard.graph.project import Project
from archguard.rules.project_rule import ProjectRule
from archguard.taint.analysis import TaintAnalysis, taint_analysis
from archguard.taint.index import SCRIPT_PREFIX, Function
from archguard.taint.propagate import Origin, Reach, flat

#: Code flows kept per finding.
_MAX_FLOWS = 5


@dataclass(frozen=True)
class TaintPath:
    """A request source reaching a sink."""

    origin: Origin
    reach: Reach

    @property
    def anchor(self) -> Location:
        return self.reach.trace.anchor or self.reach.sink.location

    @property
    def anchor_function(self) -> str:
        return self.reach.trace.anchor_function or self.reach.sink.function

    @property
    def confidence(self) -> Confidence:
        return confidence_of(self.origin.certain, self.reach.trace.unresolved)

    def flow(self) -> tuple[Location, ...]:
        """Every step from the source to the sink, across files."""
        steps = [self.origin.location]
        for where in flat(self.reach.trace.steps):
            if (where.path, where.line) != (steps[-1].path, steps[-1].line):
                steps.append(where)
        sink = self.reach.sink
        steps.append(replace(sink.location, message=f"sink: {sink.label}"))
        return tuple(steps)


def _better(path: TaintPath, other: TaintPath) -> bool:
    if path.confidence.rank != other.confidence.rank:
        return path.confidence.rank > other.confidence.rank
    return (path.anchor.column, path.reach.sink.location) < (
        other.anchor.column,
        other.reach.sink.location,
    )


def confidence_of(certain: bool, unresolved: int) -> Confidence:
    if unresolved >= 2:
        return Confidence.LOW
    if unresolved == 1 or not certain:
        return Confidence.MEDIUM
    return Confidence.HIGH


def short(name: str) -> str:
    """``find_user`` of ``app.repo.find_user``; ``Repo.find`` of a method."""
    if name.startswith(SCRIPT_PREFIX):
        name = name[len(SCRIPT_PREFIX) :].partition(".")[2]
    parts = name.split(".")
    if len(parts) >= 2 and parts[-2][:1].isupper():
        return ".".join(parts[-2:])
    return parts[-1]


class TaintRule(ProjectRule):
    #: Sink kinds the rule reports.
    SINKS: ClassVar[tuple[str, ...]] = ()
    #: Source kinds it follows: every request value is ``request``.
    SOURCES: ClassVar[tuple[str, ...]] = ("request",)
    #: Sanitizer kinds that make a value safe for it (``all`` always does).
    SANITIZERS: ClassVar[tuple[str, ...]] = ()

    def check(self, project: Project) -> Iterable[Finding]:
        analysis = taint_analysis(project)
        paths = self.paths(analysis)
        # One finding per line: several sources into one query are one thing to fix,
        # each with its own code flow.
        lines: dict[tuple[str, int], list[TaintPath]] = {}
        for path in paths:
            lines.setdefault((path.anchor.path, path.anchor.line), []).append(path)
        for group in lines.values():
            group.sort(key=lambda p: (-p.confidence.rank, p.anchor, p.origin.key))
            path = group[0]
            more = len({p.origin.key for p in group}) - 1
            message = self.describe(path)
            if more:
                message += f" ({more} more source{'s' if more > 1 else ''} reach it.)"
            yield self.report(
                replace(path.anchor, message=""),
                message,
                key=self.key(path),
                confidence=path.confidence,
                flows=tuple(p.flow() for p in group[:_MAX_FLOWS]),
                fix=self.fix(path),
            )
        yield from self.shapes(project, analysis, paths)

    # -- what a rule says -----------------------------------------------------------------

    def describe(self, path: TaintPath) -> str:
        raise NotImplementedError

    def fix(self, path: TaintPath) -> str:
        return ""

    def shapes(
        self, project: Project, analysis: TaintAnalysis, paths: list[TaintPath]
    ) -> Iterator[Finding]:
        """The rule's findings that are not a source-to-sink path."""
        return iter(())

    # -- the paths ------------------------------------------------------------------------

    def cleared(self, reach: Reach) -> bool:
        return bool(reach.trace.cleared & {ALL_KINDS, *self.SANITIZERS})

    def paths(self, analysis: TaintAnalysis) -> list[TaintPath]:
        """One path per source, place to report and sink: the first found."""
        found: dict[tuple[object, ...], TaintPath] = {}
        for _, reach in analysis.reaches():
            origin = reach.trace.origin
            if (
                origin is None
                or reach.sink.kind not in self.SINKS
                or not reach.trace.kinds & set(self.SOURCES)
                or self.cleared(reach)
                or not self.wanted(reach)
            ):
                continue
            path = TaintPath(origin, reach)
            anchor = path.anchor
            # One finding per source and line: ``conn.execute(text(q))`` is one query.
            key = (origin.key, anchor.path, anchor.line)
            best = found.get(key)
            if best is None or _better(path, best):
                found[key] = path
        return sorted(found.values(), key=lambda p: (p.anchor, p.origin.key))

    def wanted(self, reach: Reach) -> bool:
        """A further condition of the rule on a path (an upload object, not a copy)."""
        return True

    def key(self, path: TaintPath) -> str:
        sink = path.reach.sink
        return (
            f"{path.anchor_function}|{path.origin.function}:{path.origin.label}"
            f"|{sink.kind}:{sink.label}"
        )

    @staticmethod
    def parameter(function: Function, index: int) -> str:
        params = function.summary.params
        return params[index].name if 0 <= index < len(params) else "?"

    @staticmethod
    def severity_for(confidence: Confidence, base: Severity) -> Severity:
        return base if confidence is not Confidence.LOW else base.lowered()
