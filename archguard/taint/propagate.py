"""The repository pass: every function's summary resolved against its callees', over the
call graph, to a fixpoint.

Functions are taken callees first, strongly connected components (recursion) together
and repeated until nothing changes, so that a recursive function's summary ends. A
resolved summary speaks only of the function's own parameters, request sources and
library objects: which of them reach which sinks (and where to report that), and which
reach the return value. Calls nothing resolves keep their arguments' taint
(conservative), counted as unresolved hops that lower a finding's confidence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from archguard.core.findings import Location
from archguard.core.taint import Argument, CallSite, Flow, Root, Step
from archguard.taint.index import Function, TaintIndex
from archguard.taint.models import Models
from archguard.taint.sources import Roles

#: Bounds that keep the pass linear: attributes per trace, steps shown per trace, traces
#: per value and per function, rounds per recursive component, segments kept per trace.
MAX_PATH = 4
MAX_STEPS = 24
MAX_VALUE = 16
MAX_RETURNS = 24
MAX_REACHES = 400
MAX_ROUNDS = 6
MAX_SEGMENTS = 24

Steps = tuple[tuple[Location, ...], ...]


@dataclass(frozen=True)
class Origin:
    """A request source: where a value from the client is first read."""

    label: str
    #: Qualified name of the function that reads it.
    function: str
    location: Location
    #: From the route inventory, an annotation or a library object, not a guessed name.
    certain: bool
    #: The classes its object has (for sources read by path), or () for a data parameter.
    types: tuple[str, ...] = ()
    #: A data parameter: request data whatever is read of it.
    data: bool = False
    base_kinds: frozenset[str] = frozenset({"request"})
    #: The name the source is read from (``request``, ``file``), for labels.
    root: str = ""

    @property
    def key(self) -> tuple[str, str, int, int]:
        """Its identity: one upload read once is one origin, whatever is read of it."""
        where = self.location
        return (self.function, where.path, where.line, where.column)


@dataclass(frozen=True)
class Trace:
    """A value inside one function, resolved: a parameter of it, a library object not yet
    read for data, or a request source, with what happened to it on the way."""

    param: int = -1
    glob: str = ""
    origin: Origin | None = None
    #: The source's kinds for this value (``filename`` once the name is read).
    kinds: frozenset[str] = frozenset()
    path: tuple[str, ...] = ()
    built: bool = False
    derived: bool = False
    unresolved: int = 0
    cleared: frozenset[str] = frozenset()
    #: The places it passed, in segments (one per function crossed): joining two
    #: traces is then cheap, and only a finding's path is ever flattened.
    steps: Steps = ()
    #: Where a finding about this trace belongs (set on reaching a sink).
    anchor: Location | None = None
    anchor_function: str = ""

    @property
    def key(self) -> tuple[object, ...]:
        anchor = (self.anchor.path, self.anchor.line, self.anchor.column) if self.anchor else ()
        return (
            self.param,
            self.glob,
            self.origin.key if self.origin else (),
            tuple(sorted(self.kinds)),
            self.path,
            self.built,
            self.derived,
            min(self.unresolved, 2),
            tuple(sorted(self.cleared)),
            anchor,
        )


@dataclass(frozen=True)
class Sink:
    kind: str
    label: str
    location: Location
    #: Qualified name of the function that holds it.
    function: str
    note: str = ""


@dataclass(frozen=True)
class Reach:
    trace: Trace
    sink: Sink

    @property
    def key(self) -> tuple[object, ...]:
        where = self.sink.location
        return (*self.trace.key, self.sink.kind, where.path, where.line, where.column)


@dataclass
class Resolved:
    returns: dict[tuple[object, ...], Trace] = field(default_factory=dict)
    reaches: dict[tuple[object, ...], Reach] = field(default_factory=dict)

    def size(self) -> tuple[int, int]:
        return len(self.returns), len(self.reaches)


_EMPTY = Resolved()


class Propagation:
    def __init__(self, index: TaintIndex, models: Models, roles: Roles) -> None:
        self.index = index
        self.models = models
        self.roles = roles
        self.resolved: dict[str, Resolved] = {}
        self._targets: dict[tuple[str, int], tuple[Function | None, bool]] = {}

    # -- the fixpoint -------------------------------------------------------------------

    def run(self) -> dict[str, Resolved]:
        import networkx as nx  # only scans that run a taint rule pay for importing it

        graph = nx.DiGraph()
        functions = self.index.functions
        for name in sorted(functions):
            graph.add_node(name)
            for call in functions[name].summary.calls:
                target, _ = self.target(functions[name], call)
                if target is not None:
                    graph.add_edge(name, target.qualified)
        self.roles.called = frozenset(
            b for a, b in graph.edges if a != b and not self._dependency(b)
        )
        condensed = nx.condensation(graph)
        order = list(nx.topological_sort(condensed))
        for component in reversed(order):
            members = sorted(condensed.nodes[component]["members"])
            recursive = len(members) > 1 or graph.has_edge(members[0], members[0])
            for _ in range(MAX_ROUNDS if recursive else 1):
                changed = False
                for name in members:
                    before = self.resolved.get(name, _EMPTY).size()
                    result = self.resolve(functions[name])
                    self.resolved[name] = result
                    changed = changed or result.size() != before
                if not changed:
                    break
        return self.resolved

    def _dependency(self, name: str) -> bool:
        return name in self.roles.handlers

    # -- one function -------------------------------------------------------------------

    def resolve(self, function: Function) -> Resolved:
        summary = function.summary
        results: dict[int, list[Trace]] = {}
        reaches: dict[tuple[object, ...], Reach] = {}
        later = any(
            f.root is Root.CALL and f.index >= call.index
            for call in summary.calls
            for argument in call.arguments
            for f in argument.flows
        )
        for _ in range(2 if later else 1):
            for call in summary.calls:
                arguments = [
                    (argument, self.traces(function, argument.flows, results))
                    for argument in call.arguments
                ]
                value, found = self.apply(function, call, arguments)
                results[call.index] = value
                for reach in found:
                    if len(reaches) < MAX_REACHES:
                        reaches.setdefault(reach.key, reach)
        for use in summary.sinks:
            site = Sink(
                use.kind,
                use.callee,
                _at(function, use.line, use.column, f"{use.callee or 'checked'}"),
                function.qualified,
                use.note,
            )
            for trace in self.traces(function, use.flows, results):
                trace = replace(trace, anchor=site.location, anchor_function=function.qualified)
                reach = Reach(trace, site)
                if len(reaches) < MAX_REACHES:
                    reaches.setdefault(reach.key, reach)
        returns: dict[tuple[object, ...], Trace] = {}
        for trace in self.traces(function, summary.returns, results):
            if len(returns) < MAX_RETURNS:
                returns.setdefault(trace.key, trace)
        return Resolved(returns, reaches)

    def traces(
        self, function: Function, flows: Iterable[Flow], results: dict[int, list[Trace]]
    ) -> list[Trace]:
        out: dict[tuple[object, ...], Trace] = {}
        for flow in flows:
            steps: Steps = (tuple(_step(function, s) for s in flow.steps),) if flow.steps else ()
            cleared = frozenset(flow.cleared)
            if flow.root is Root.CALL:
                found = [
                    _joined(t, flow.path, flow, steps, cleared) for t in results.get(flow.index, ())
                ]
            elif flow.root is Root.PARAM:
                found = [
                    Trace(
                        param=flow.index,
                        path=flow.path,
                        built=flow.built,
                        derived=flow.derived,
                        unresolved=int(flow.unresolved),
                        cleared=cleared,
                        steps=steps,
                    )
                ]
            else:
                found = [
                    Trace(
                        glob=flow.name,
                        path=flow.path,
                        built=flow.built,
                        derived=flow.derived,
                        unresolved=int(flow.unresolved),
                        cleared=cleared,
                        steps=steps,
                    )
                ]
            for item in found:
                trace = self.convert(function, item)
                if trace is not None:
                    out.setdefault(trace.key, trace)
                if len(out) >= MAX_VALUE:
                    break
        return list(out.values())

    def convert(self, function: Function, trace: Trace) -> Trace | None:
        """A parameter or library object trace that is request data becomes a source;
        a library object that is no source (yet) stays as it is."""
        if trace.origin is not None:
            return self._rekind(trace)
        if trace.glob:
            kind = self.models.objects.get(trace.glob, "")
            found = self.models.source((kind,), trace.path)
            if found is None:
                return trace
            where = first_step(trace.steps) or _at(function, function.summary.line, 1, "")
            root = trace.glob.rsplit(".", 1)[-1]
            label = _label(root, trace.path, self.models, (kind,))
            origin = Origin(
                label,
                function.qualified,
                replace(where, message=f"source: {label}"),
                True,
                (kind,),
                root=root,
            )
            return replace(trace, glob="", origin=origin, kinds=found.kinds)
        if trace.param < 0:
            return trace
        role = self.roles.of(function).get(trace.param)
        if role is None:
            return trace
        params = function.summary.params
        param = params[trace.param] if trace.param < len(params) else None
        if role.data and param is not None:
            where = Location(
                function.path,
                param.line,
                param.column,
                param.line,
                param.column,
                f"source: {role.label}",
            )
            origin = Origin(
                role.label, function.qualified, where, role.certain, role.types, True, role.kinds
            )
            kinds = role.kinds
            if role.types:
                typed = self.models.source(role.types, trace.path)
                if typed is not None:
                    kinds = kinds | typed.kinds
            return replace(
                trace, param=-1, origin=origin, kinds=kinds, steps=((where,), *trace.steps)
            )
        if role.types and param is not None:
            found = self.models.source(role.types, trace.path)
            if found is None:
                return trace
            label = _label(param.name, trace.path, self.models, role.types)
            where = Location(
                function.path,
                param.line,
                param.column,
                param.line,
                param.column,
                f"source: {label}",
            )
            origin = Origin(
                label, function.qualified, where, role.certain, role.types, root=param.name
            )
            return replace(trace, param=-1, origin=origin, kinds=found.kinds)
        return trace

    def _rekind(self, trace: Trace) -> Trace:
        origin = trace.origin
        assert origin is not None
        if not origin.types:
            return trace
        found = self.models.source(origin.types, trace.path)
        if found is None:
            return trace
        kinds = (origin.base_kinds | found.kinds) if origin.data else found.kinds
        if kinds == trace.kinds:
            return trace
        if origin.root and not origin.data:
            # ``request.files`` read for its ``filename``: say so.
            label = _label(origin.root, trace.path, self.models, origin.types)
            origin = replace(origin, label=label)
        return replace(trace, kinds=kinds, origin=origin)

    # -- calls --------------------------------------------------------------------------

    def target(self, function: Function, call: CallSite) -> tuple[Function | None, bool]:
        """The project function a call runs, and whether it is a class's constructor."""
        memo = (function.qualified, call.index)
        if memo in self._targets:
            return self._targets[memo]
        found: tuple[Function | None, bool] = (None, False)
        index = self.index
        if call.receiver in ("self", "super", "typed") and call.method:
            klass = index.local(function, call.target)
            method = index.method(klass, call.method, above=call.receiver == "super")
            found = (method, False)
        elif call.target:
            name = index.local(function, call.target)
            direct = index.functions.get(name)
            if direct is not None:
                found = (direct, False)
            elif name in index.classes:
                found = (index.method(name, "__init__"), True)
        self._targets[memo] = found
        return found

    def apply(
        self,
        function: Function,
        call: CallSite,
        arguments: list[tuple[Argument, list[Trace]]],
    ) -> tuple[list[Trace], list[Reach]]:
        where = _at(function, call.line, call.column, f"passed to {call.text}()")
        target, constructor = self.target(function, call)
        if target is not None and not self._modelled(function, call):
            inner = self.resolved.get(target.qualified, _EMPTY)
            binding = _bind(target, call, arguments, constructor)
            reaches = [
                Reach(t, reach.sink)
                for reach in inner.reaches.values()
                if reach.trace.origin is None and not reach.trace.glob
                for t in self.substitute(function, reach.trace, binding, where, anchor=True)
            ]
            if constructor:
                value = _all(arguments, derived=True)
            else:
                back = replace(where, message=f"returned by {call.text}()")
                value = [
                    t
                    for trace in inner.returns.values()
                    for t in self.substitute(function, trace, binding, back, anchor=False)
                ]
            return value[:MAX_VALUE], reaches
        return self.library(function, call, arguments, where)

    def substitute(
        self,
        function: Function,
        inner: Trace,
        binding: dict[int, list[Trace]],
        where: Location,
        *,
        anchor: bool,
    ) -> list[Trace]:
        """A callee's trace in the caller's terms."""
        if inner.origin is not None or inner.glob:
            return [replace(inner, steps=_steps(inner.steps, ((where,),)))]
        out = []
        for outer in binding.get(inner.param, ()):
            trace = Trace(
                param=outer.param,
                glob=outer.glob,
                origin=outer.origin,
                kinds=outer.kinds,
                path=(outer.path + inner.path)[:MAX_PATH],
                built=outer.built or inner.built,
                derived=outer.derived or inner.derived,
                unresolved=outer.unresolved + inner.unresolved,
                cleared=outer.cleared | inner.cleared,
                steps=_steps(outer.steps, ((where,),), inner.steps),
                anchor=(where if outer.built else inner.anchor) if anchor else None,
                anchor_function=(
                    (function.qualified if outer.built else inner.anchor_function) if anchor else ""
                ),
            )
            converted = self.convert(function, trace)
            if converted is not None:
                out.append(converted)
        return out

    def library(
        self,
        function: Function,
        call: CallSite,
        arguments: list[tuple[Argument, list[Trace]]],
        where: Location,
    ) -> tuple[list[Trace], list[Reach]]:
        """A call no project function answers: the models (with the project's own),
        else the conservative default."""
        names = self._names(function, call)
        models = self.models
        sinks = {id(s): s for name in names for s in models.sinks.get(name, ())}
        if sinks:
            reaches = []
            site_label = call.text
            for sink in sinks.values():
                site = Sink(
                    sink.kind, site_label, replace(where, message=site_label), function.qualified
                )
                for argument, traces in arguments:
                    if (
                        (argument.position == -1 and sink.receiver)
                        or argument.position in sink.positions
                        or argument.keyword in sink.keywords
                    ):
                        for trace in traces:
                            anchored = replace(
                                trace, anchor=site.location, anchor_function=function.qualified
                            )
                            reaches.append(Reach(anchored, site))
            return _all(arguments, derived=True), reaches
        for name in names:
            kinds = models.sanitizers.get(name)
            if kinds is not None:
                if "all" in kinds:
                    return [], []
                return [replace(t, cleared=t.cleared | kinds) for t in _all(arguments, True)], []
            source = models.call_sources.get(name)
            if source is not None:
                origin = Origin(
                    f"{call.text}()",
                    function.qualified,
                    replace(where, message=f"source: {call.text}()"),
                    True,
                    base_kinds=source,
                )
                return [Trace(origin=origin, kinds=source, steps=((origin.location,),))], []
        unresolved = not call.target or (
            self.index.first_party(call.target)
            and not (
                call.receiver == "typed"
                and self.index.local(function, call.target) in self.index.classes
            )
        )
        out: list[Trace] = []
        for argument, traces in arguments:
            for trace in traces:
                if argument.position == -1:
                    path = (*trace.path, f"{call.method}()") if call.method else trace.path
                    moved = replace(trace, path=path[:MAX_PATH])
                    out.append(self.convert(function, moved) or moved)
                else:
                    out.append(
                        replace(
                            trace,
                            derived=True,
                            unresolved=trace.unresolved + int(unresolved),
                            steps=_steps(
                                trace.steps, ((replace(where, message=f"through {call.text}()"),),)
                            )
                            if unresolved
                            else trace.steps,
                        )
                    )
        return out[:MAX_VALUE], []

    def _modelled(self, function: Function, call: CallSite) -> bool:
        """A project function that a model names (the project's own sink or sanitizer)
        is taken as the model says, not as its body does."""
        models = self.models
        return any(
            name in models.sinks or name in models.sanitizers or name in models.call_sources
            for name in self._names(function, call)
            if not name.startswith("*.")
        )

    def _names(self, function: Function, call: CallSite) -> list[str]:
        if call.receiver in ("self", "super", "typed") and call.method:
            ours, external = self.index.mro(self.index.local(function, call.target))
            classes = (*ours, *(self.models.canonical_type(e) for e in external)) or (call.target,)
            return [*(f"{c}.{call.method}" for c in classes), f"*.{call.method}"]
        names = []
        if call.target:
            names.append(self.index.local(function, call.target))
            if call.target not in names:
                names.append(call.target)
        if call.method:
            names.append(f"*.{call.method}")
        return names


def _bind(
    target: Function,
    call: CallSite,
    arguments: list[tuple[Argument, list[Trace]]],
    constructor: bool,
) -> dict[int, list[Trace]]:
    params = target.summary.params
    method_call = call.receiver in ("self", "super", "typed") or any(
        a.position == -1 for a, _ in arguments
    )
    offset = 1 if target.takes_self and (method_call or constructor) else 0
    star = next((i for i, p in enumerate(params) if p.star == "*"), None)
    double = next((i for i, p in enumerate(params) if p.star == "**"), None)
    by_name = {p.name: i for i, p in enumerate(params) if not p.star}
    binding: dict[int, list[Trace]] = {}

    def put(index: int | None, traces: list[Trace]) -> None:
        if index is not None and 0 <= index < len(params):
            binding.setdefault(index, []).extend(traces)

    for argument, traces in arguments:
        if not traces:
            continue
        if argument.position == -1:
            if target.takes_self:
                put(0, traces)
        elif argument.position >= 0:
            slot = argument.position + offset
            if argument.starred:
                for index in range(slot, len(params)):
                    put(index, traces)
            elif star is not None and slot >= star:
                put(star, traces)
            else:
                put(slot, traces)
        elif argument.starred:
            for index in range(offset, len(params)):
                put(index, traces)
        else:
            put(by_name.get(argument.keyword, double), traces)
    return binding


def _all(arguments: list[tuple[Argument, list[Trace]]], derived: bool) -> list[Trace]:
    out = [
        replace(t, derived=True) if derived and not t.derived else t
        for _, traces in arguments
        for t in traces
    ]
    return out[:MAX_VALUE]


def _joined(
    trace: Trace,
    path: tuple[str, ...],
    flow: Flow,
    steps: Steps,
    cleared: frozenset[str],
) -> Trace:
    return replace(
        trace,
        path=(trace.path + path)[:MAX_PATH],
        built=trace.built or flow.built,
        derived=trace.derived or flow.derived,
        unresolved=trace.unresolved + int(flow.unresolved),
        cleared=trace.cleared | cleared,
        steps=_steps(trace.steps, steps),
    )


def _steps(*parts: Steps) -> Steps:
    joined: Steps = ()
    for part in parts:
        joined += part
    if len(joined) > MAX_SEGMENTS:
        half = MAX_SEGMENTS // 2
        joined = joined[:half] + joined[-half:]
    return joined


def first_step(steps: Steps) -> Location | None:
    for segment in steps:
        if segment:
            return segment[0]
    return None


def flat(steps: Steps) -> tuple[Location, ...]:
    """A trace's places in order, each line once."""
    out: list[Location] = []
    for segment in steps:
        for where in segment:
            if not out or (where.path, where.line) != (out[-1].path, out[-1].line):
                out.append(where)
    if len(out) > MAX_STEPS:
        half = MAX_STEPS // 2
        out = out[:half] + out[-half:]
    return tuple(out)


def _at(function: Function, line: int, column: int, message: str) -> Location:
    return Location(function.path, line, column, line, column, message)


def _step(function: Function, step: Step) -> Location:
    return _at(function, step.line, step.column, step.note)


def _label(root: str, path: tuple[str, ...], models: Models, types: tuple[str, ...]) -> str:
    """``request.GET``: the root and as much of the path as the source needs to be
    what it is (``request.files.filename`` for a client's file name)."""
    whole = models.source(types, path)
    kinds = whole.kinds if whole is not None else None
    for end in range(len(path) + 1):
        found = models.source(types, path[:end])
        if found is not None and found.kinds == kinds:
            return ".".join((root, *path[:end]))
    return ".".join((root, *path))
