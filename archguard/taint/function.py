"""One function's taint summary, from its ``ast``: where each value comes from (a
parameter, a library's request object, a call's result) and where it goes (sinks,
calls the repository pass must resolve, the return value).

The walk is flow-sensitive over statements (branches are joined, loop bodies run twice)
and flow-insensitive inside containers: a list holding one tainted item is tainted.
Built-in models are applied here; a call that may reach project code is recorded for the
repository pass instead of guessed.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Callable, Iterable

from archguard.core.taint import (
    ALL_KINDS,
    Argument,
    CallSite,
    Flow,
    FunctionSummary,
    Param,
    Root,
    SinkUse,
    Step,
)
from archguard.scan.syntax import Names, dotted
from archguard.taint.models import Models, SinkModel

Value = frozenset[Flow]
EMPTY: Value = frozenset()

#: Bounds that keep a summary small and the walk linear: flows per value, attributes
#: kept per flow, steps kept per flow.
MAX_FLOWS = 12
MAX_PATH = 4
MAX_STEPS = 5
#: Loop bodies deeper than this run once instead of twice.
_LOOP_DEPTH = 3

_STDLIB = frozenset(sys.stdlib_module_names)
#: Methods that put their arguments into the receiver.
_MUTATORS = frozenset(
    {"append", "extend", "insert", "add", "update", "setdefault", "appendleft", "extendleft"}
)
#: String methods that splice their arguments into the receiver's text.
_TEXT_BUILDERS = frozenset({"format", "format_map", "join"})
#: Path methods that make a path from the receiver and their arguments.
_PATH_BUILDERS = frozenset({"joinpath", "with_name", "with_suffix", "with_stem", "resolve"})
_PATH_CLASSES = frozenset(
    {"pathlib.Path", "pathlib.PurePath", "pathlib.PurePosixPath", "pathlib.PureWindowsPath"}
)
_LAST_COMPONENT = frozenset({"name", "stem", "suffix"})
#: Calls that open a file, and where their mode is.
_OPENERS = {"builtins.open": 1, "io.open": 1, "aiofiles.open": 1, "os.fdopen": 1}
#: A call that verifies a signature: what a function loads after it was signed by the app.
_VERIFIERS = frozenset({"hmac.compare_digest", "secrets.compare_digest"})
_VERIFY_METHODS = frozenset({"verify", "unsign", "verify_signature"})
#: Names that say a file is scratch space, deleted after use.
_TEMPORARY = re.compile(
    r"(?:^|_)(?:[Tt]mp|TMP|[Tt]emp(?!l)|TEMP|scratch)|Temporary|mkstemp|mkdtemp"
)
#: Attribute or call names whose test is a type or size check of an upload.
_CHECKED = frozenset(
    {
        "filename",
        "content_type",
        "mimetype",
        "mime_type",
        "content_length",
        "size",
        "name",
        "type",
        "suffix",
        "len()",
        "headers",
    }
)
_SERVED = re.compile(r"(^|/)(static|templates)(/|$)")
_SERVED_ATTRS = frozenset({"static_folder", "template_folder"})
_GRAPHQL_DECORATORS = ("strawberry.field", "strawberry.mutation", "strawberry.type.field")


def _cap(flows: Iterable[Flow]) -> Value:
    items = frozenset(flows)
    if len(items) <= MAX_FLOWS:
        return items
    return frozenset(sorted(items, key=_rank)[:MAX_FLOWS])


def _rank(flow: Flow) -> tuple[int, int, str, tuple[str, ...], int]:
    # Keep origins over variants: fewer steps first, resolved before unresolved.
    return (flow.unresolved, len(flow.steps), flow.name, flow.path, flow.index)


def _flow(
    old: Flow,
    *,
    path: tuple[str, ...] | None = None,
    built: bool | None = None,
    derived: bool | None = None,
    unresolved: bool | None = None,
    cleared: tuple[str, ...] | None = None,
    steps: tuple[Step, ...] | None = None,
) -> Flow:
    return Flow(
        old.root,
        old.index,
        old.name,
        old.path if path is None else path,
        old.built if built is None else built,
        old.derived if derived is None else derived,
        old.unresolved if unresolved is None else unresolved,
        old.cleared if cleared is None else cleared,
        old.steps if steps is None else steps,
    )


def extend(value: Value, element: str) -> Value:
    return frozenset(
        _flow(f, path=(*f.path, element)) if len(f.path) < MAX_PATH else f for f in value
    )


def mark(
    value: Value,
    *,
    built: bool = False,
    derived: bool = False,
    unresolved: bool = False,
    cleared: Iterable[str] = (),
) -> Value:
    extra = frozenset(cleared)
    out = []
    for f in value:
        kinds = tuple(sorted(set(f.cleared) | extra)) if extra else f.cleared
        out.append(
            _flow(
                f,
                built=f.built or built,
                derived=f.derived or derived,
                unresolved=f.unresolved or unresolved,
                cleared=kinds,
            )
        )
    return frozenset(out)


def step(value: Value, at: ast.AST, note: str) -> Value:
    where = Step(getattr(at, "lineno", 0), getattr(at, "col_offset", 0) + 1, note)
    out = []
    for f in value:
        if f.steps and f.steps[-1] == where:
            out.append(f)
        elif len(f.steps) < MAX_STEPS:
            out.append(_flow(f, steps=(*f.steps, where)))
        else:
            out.append(_flow(f, steps=(*f.steps[: MAX_STEPS - 1], where)))
    return frozenset(out)


def union(*values: Value) -> Value:
    if len(values) == 1:
        return values[0]
    merged: set[Flow] = set()
    for value in values:
        merged |= value
    return _cap(merged)


def label(node: ast.AST) -> str:
    """How a callee reads in the code, short: ``cursor.execute``, ``repo.find_user``."""
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        if base is None:
            inner = label(node.value)
            base = inner + "()" if isinstance(node.value, ast.Call) else "…"
        return f"{base}.{node.attr}"
    if isinstance(node, ast.Call):
        return label(node.func)
    return dotted(node) or "…"


def _unwrap(annotation: ast.expr | None, names: Names) -> str:
    """The class an annotation names, through Optional, Annotated, unions and lists."""
    if annotation is None:
        return ""
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return ""
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        for side in (annotation.left, annotation.right):
            if not (isinstance(side, ast.Constant) and side.value is None):
                return _unwrap(side, names)
        return ""
    if isinstance(annotation, ast.Subscript):
        outer = names.qualify(annotation.value).rsplit(".", 1)[-1]
        inner = annotation.slice
        if isinstance(inner, ast.Tuple) and inner.elts:
            inner = inner.elts[0]
        if outer in ("Optional", "Annotated", "List", "list", "Sequence", "Union", "Iterable"):
            return _unwrap(inner, names)
        return names.qualify(annotation.value)
    if isinstance(annotation, (ast.Name, ast.Attribute)):
        return names.qualify(annotation)
    return ""


def _annotated_dependency(annotation: ast.expr | None, names: Names) -> str:
    """``Annotated[T, Depends(f)]``: the callee of the metadata call."""
    if (
        isinstance(annotation, ast.Subscript)
        and names.qualify(annotation.value).endswith("Annotated")
        and isinstance(annotation.slice, ast.Tuple)
    ):
        for item in annotation.slice.elts[1:]:
            if isinstance(item, ast.Call):
                return names.qualify(item.func)
    return ""


def parameters(node: ast.FunctionDef | ast.AsyncFunctionDef, names: Names) -> tuple[Param, ...]:
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    defaults: dict[int, ast.expr] = {}
    for offset, value in enumerate(args.defaults):
        defaults[len(positional) - len(args.defaults) + offset] = value
    out: list[Param] = []
    for number, arg in enumerate(positional):
        out.append(_param(arg, defaults.get(number), "", names))
    if args.vararg is not None:
        out.append(_param(args.vararg, None, "*", names))
    for keyword_only, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        out.append(_param(keyword_only, default, "", names))
    if args.kwarg is not None:
        out.append(_param(args.kwarg, None, "**", names))
    return tuple(out)


def _param(arg: ast.arg, default: ast.expr | None, star: str, names: Names) -> Param:
    called = ""
    if isinstance(default, ast.Call):
        called = names.qualify(default.func)
    called = _annotated_dependency(arg.annotation, names) or called
    return Param(
        arg.arg,
        _unwrap(arg.annotation, names),
        called,
        star,
        arg.lineno,
        arg.col_offset + 1,
    )


class FunctionWalk:
    """Walks one function body; ``summary()`` gives the result."""

    def __init__(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef,
        qualname: str,
        names: Names,
        models: Models,
        owner: str = "",
        owner_attributes: dict[str, str] | None = None,
        local_functions: frozenset[str] = frozenset(),
    ) -> None:
        self.node = node
        self.qualname = qualname
        self.names = names
        self.models = models
        self.owner = owner
        self.owner_attributes = owner_attributes or {}
        self.local_functions = local_functions
        self.params = parameters(node, names)
        self.env: dict[str, Value] = {}
        self.types: dict[str, str] = {}
        self.calls: list[CallSite] = []
        self.sinks: list[SinkUse] = []
        self.returns: set[Flow] = set()
        self.depth = 0
        #: The body verifies a signature (hmac.compare_digest, a signer's unsign).
        self.verifies = False
        #: Variables that hold scratch files (``with tempfile.TemporaryFile() as tmp``).
        self.temporary: set[str] = set()
        is_static = any(
            isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list
        )
        for index, param in enumerate(self.params):
            self.env[param.name] = frozenset({Flow(Root.PARAM, index)})
            if _project_or_library_class(param.annotation):
                self.types[param.name] = param.annotation
        if owner and self.params and not is_static:
            self.types[self.params[0].name] = names.local(owner)
            self.self_name = self.params[0].name
        else:
            self.self_name = ""

    # -- results ----------------------------------------------------------------------

    def run(self) -> FunctionSummary:
        self.block(self.node.body)
        if self.verifies:
            self.sinks = [
                SinkUse(u.kind, u.callee, u.line, u.column, u.flows, "verified")
                if u.kind == "deserialize"
                else u
                for u in self.sinks
            ]
        decorators = tuple(
            self.names.qualify(d.func if isinstance(d, ast.Call) else d)
            for d in self.node.decorator_list
        )
        return FunctionSummary(
            name=self.qualname,
            line=self.node.lineno,
            params=self.params,
            owner=self.owner,
            calls=tuple(self.calls),
            sinks=tuple(self.sinks),
            returns=tuple(sorted(_cap(self.returns), key=_rank)),
            role=self._role(decorators),
            decorators=tuple(d for d in decorators if d),
        )

    def _role(self, decorators: tuple[str, ...]) -> str:
        names = [p.name for p in self.params]
        if "info" in names[:3] and (
            self.node.name.startswith("resolve_")
            or self.node.name == "mutate"
            or any(d.endswith((".field", ".mutation")) for d in decorators)
        ):
            return "graphql"
        if any(d in _GRAPHQL_DECORATORS for d in decorators):
            return "graphql"
        return ""

    # -- statements -------------------------------------------------------------------

    def block(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self.statement(stmt)

    def statement(self, node: ast.stmt) -> None:
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            self.assignment(node)
        elif isinstance(node, ast.Expr):
            self.expr(node.value, discarded=True)
        elif isinstance(node, ast.Return):
            if node.value is not None:
                self.returns |= step(self.expr(node.value), node, "returned")
        elif isinstance(node, ast.If):
            self.check(node.test)
            self.expr(node.test)
            allowed, refused = self.allowlisted(node.test)
            before = dict(self.env)
            self.clear(allowed)
            self.block(node.body)
            after_body = self.env
            self.env = dict(before)
            self.clear(refused)
            self.block(node.orelse)
            if refused and _leaves(node.body):
                after_body = self.env  # only the values that passed the check go on
            elif allowed and _leaves(node.orelse):
                after_body, self.env = self.env, after_body
            self.env = _join(after_body, self.env)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            items = self.expr(node.iter)
            self.loop(node.body, lambda: self.bind(node.target, step(items, node.target, "item")))
            self.block(node.orelse)
        elif isinstance(node, ast.While):
            self.check(node.test)
            self.expr(node.test)
            self.loop(node.body, lambda: None)
            self.block(node.orelse)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                value = self.expr(item.context_expr)
                if item.optional_vars is not None:
                    self.bind(item.optional_vars, step(value, item.optional_vars, "with"))
                    self.scratch(item.optional_vars, item.context_expr)
            self.block(node.body)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            self.tried(node)  # type: ignore[arg-type]
        elif isinstance(node, ast.Assert):
            self.check(node.test)
            self.expr(node.test)
        elif isinstance(node, ast.Raise):
            if node.exc is not None:
                self.expr(node.exc, discarded=True)
        elif isinstance(node, ast.Delete):
            pass
        elif isinstance(node, ast.Match):
            subject = self.expr(node.subject)
            before = dict(self.env)
            joined = dict(before)
            for case in node.cases:
                self.env = dict(before)
                for name in _pattern_names(case.pattern):
                    self.env[name] = subject
                if case.guard is not None:
                    self.expr(case.guard)
                self.block(case.body)
                joined = _join(joined, self.env)
            self.env = joined

    def tried(self, node: ast.Try) -> None:
        before = dict(self.env)
        self.block(node.body)
        self.block(node.orelse)
        after = self.env
        for handler in node.handlers:
            self.env = _join(before, after)
            if handler.name:
                self.env[handler.name] = EMPTY
            self.block(handler.body)
            after = _join(after, self.env)
        self.env = after
        self.block(node.finalbody)

    def loop(self, body: list[ast.stmt], bind: Callable[[], None]) -> None:
        self.depth += 1
        rounds = 2 if self.depth <= _LOOP_DEPTH else 1
        before = dict(self.env)
        for _ in range(rounds):
            bind()
            self.block(body)
            self.env = _join(before, self.env)
        self.depth -= 1

    def assignment(self, node: ast.Assign | ast.AnnAssign | ast.AugAssign) -> None:
        if isinstance(node, ast.AugAssign):
            value = self.expr(node.value)
            current = self.read(node.target)
            if isinstance(node.op, (ast.Add, ast.Mod)) and (
                _texty(node.value) or any(f.built for f in current)
            ):
                value = mark(union(current, value), built=True)
                value = step(value, node, "text built")
            else:
                value = union(current, value)
            self.bind(node.target, step(value, node.target, _target_text(node.target)))
            return
        if node.value is None:
            return
        value = self.expr(node.value)
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            self.bind(target, step(value, target, _target_text(target)))
            self.scratch(target, node.value)
            if isinstance(target, ast.Name):
                kind = self.type_of(node.value)
                if kind:
                    self.types[target.id] = kind
                else:
                    self.types.pop(target.id, None)

    def bind(self, target: ast.expr, value: Value) -> None:
        if isinstance(target, ast.Name):
            self.env[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            for item in target.elts:
                self.bind(item.value if isinstance(item, ast.Starred) else item, value)
        elif isinstance(target, ast.Attribute):
            key = dotted(target)
            if key is not None:
                self.env[key] = value
            base = _base_name(target)
            if base is not None and base in self.env and base != self.self_name:
                self.env[base] = union(self.env[base], value)
        elif isinstance(target, ast.Subscript):
            base = _base_name(target)
            if base is not None:
                self.env[base] = union(self.env.get(base, EMPTY), value)
        elif isinstance(target, ast.Starred):
            self.bind(target.value, value)

    def scratch(self, target: ast.expr, value: ast.expr) -> None:
        if not isinstance(target, ast.Name):
            return
        # The chain of calls and attributes the value is made of, down to its base:
        # ``temp_path.joinpath(name).open("wb")`` is scratch space.
        parts: list[str] = []
        node: ast.expr = value
        while isinstance(node, (ast.Call, ast.Await, ast.Attribute, ast.Subscript)):
            if isinstance(node, ast.Attribute):
                parts.append(node.attr)
            node = node.func if isinstance(node, ast.Call) else node.value
        if isinstance(node, ast.Name):
            parts.append(node.id)
        if (
            _TEMPORARY.search(target.id)
            or any(_TEMPORARY.search(p) for p in parts)
            or (isinstance(node, ast.Name) and node.id in self.temporary)
        ):
            self.temporary.add(target.id)
        else:
            self.temporary.discard(target.id)

    def temporary_code(self, node: ast.AST) -> bool:
        """An expression about a scratch file: ``tempfile`` or a temp-named value."""
        for child in ast.walk(node):
            if isinstance(child, ast.Name) and (
                child.id in self.temporary or _TEMPORARY.search(child.id)
            ):
                return True
            if isinstance(child, ast.Attribute) and _TEMPORARY.search(child.attr):
                return True
        return False

    def read(self, target: ast.expr) -> Value:
        if isinstance(target, ast.Name):
            return self.env.get(target.id, EMPTY)
        return self.pure(target)

    # -- checks -------------------------------------------------------------------------

    def allowlisted(self, test: ast.expr) -> tuple[list[str], list[str]]:
        """Names a condition checks against a fixed collection: those known to be in
        it when the condition holds, and those when it does not (``if sort not in
        COLUMNS: abort(400)``). A value from an allowlist is safe for every sink."""
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            allowed, refused = self.allowlisted(test.operand)
            return refused, allowed
        if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
            found = [self.allowlisted(v)[0] for v in test.values]
            return [n for names in found for n in names], []
        if not (
            isinstance(test, ast.Compare)
            and len(test.ops) == 1
            and isinstance(test.ops[0], (ast.In, ast.NotIn))
        ):
            return [], []
        key = dotted(test.left)
        collection = test.comparators[0]
        if key is None or self.pure(collection) or not _fixed(collection):
            return [], []
        return ([key], []) if isinstance(test.ops[0], ast.In) else ([], [key])

    def clear(self, keys: list[str]) -> None:
        for key in keys:
            current = self.read(_name_node(key))
            self.env[key] = mark(current, cleared=(ALL_KINDS,))

    def check(self, test: ast.expr) -> None:
        """A condition that tests an upload's name, type or size: recorded so that
        the upload rule can tell a checked upload from an unchecked one."""
        flows = [f for f in self.operands(test) if any(p in _CHECKED for p in f.path)]
        if flows:
            self.sinks.append(
                SinkUse("check", "", test.lineno, test.col_offset + 1, tuple(sorted(_cap(flows))))
            )

    def operands(self, node: ast.expr) -> Value:
        if isinstance(node, ast.Compare):
            if all(_empty_constant(c) for c in node.comparators):
                return EMPTY  # ``== ""``, ``is None``: that a name exists, not what it is
            return union(self.operands(node.left), *(self.operands(c) for c in node.comparators))
        if isinstance(node, ast.BoolOp):
            return union(*(self.operands(v) for v in node.values))
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not) and isinstance(
                node.operand, (ast.Name, ast.Attribute, ast.Subscript)
            ):
                return EMPTY  # ``not file``: that there is one, not what it is
            return self.operands(node.operand)
        if isinstance(node, ast.Call):
            parts = [self.operands(a.value if isinstance(a, ast.Starred) else a) for a in node.args]
            parts += [self.operands(k.value) for k in node.keywords]
            if isinstance(node.func, ast.Attribute):
                parts.append(self.operands(node.func.value))
            found = union(EMPTY, *parts)
            if self.names.qualify(node.func) == "builtins.len":
                found = extend(found, "len()")
            return found
        if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript)):
            return self.pure(node)
        return EMPTY

    # -- expressions --------------------------------------------------------------------

    def pure(self, node: ast.expr) -> Value:
        """Where a name, attribute or subscript comes from, recording nothing."""
        if isinstance(node, ast.Name):
            if node.id in self.env:
                return self.env[node.id]
            return self.global_value(node)
        if isinstance(node, ast.Attribute):
            key = dotted(node)
            if key is not None and key in self.env:
                return self.env[key]
            if self.names.resolve(node) is not None and not self._shadowed(node):
                return self.global_value(node)
            return self.attribute(node, self.pure(node.value))
        if isinstance(node, ast.Subscript):
            return self.pure(node.value)
        if isinstance(node, ast.Call):
            return self.operands(node)
        if isinstance(node, ast.Await):
            return self.pure(node.value)
        return EMPTY

    def attribute(self, node: ast.Attribute, base: Value) -> Value:
        if (
            node.attr in _LAST_COMPONENT
            and isinstance(node.value, ast.Call)
            and self.names.qualify(node.value.func) in _PATH_CLASSES
        ):
            # ``Path(upload.filename).name``: one component, it cannot climb out.
            base = mark(base, cleared=("path",))
        value = extend(base, node.attr)
        if any(f.root is Root.PARAM and not f.path for f in base):
            # The first read of a parameter's attribute is where a request object's
            # data is taken: a step worth showing.
            value = step(value, node, label(node))
        return value

    def _shadowed(self, node: ast.Attribute) -> bool:
        head: ast.expr = node
        while isinstance(head, ast.Attribute):
            head = head.value
        return isinstance(head, ast.Name) and head.id in self.env

    def global_value(self, node: ast.expr) -> Value:
        """A library's module-level object (``flask.request.args``); other globals are
        constants or configuration, not data."""
        qualified = self.names.resolve(node)
        if qualified is None:
            return EMPTY
        found = self.models.object_prefix(qualified)
        if found is None:
            return EMPTY
        name, path = found
        flow = Flow(Root.GLOBAL, 0, name, path[:MAX_PATH])
        return step(frozenset({flow}), node, _source_text(node))

    def expr(self, node: ast.expr, *, discarded: bool = False) -> Value:
        if isinstance(node, ast.Constant):
            return EMPTY
        if isinstance(node, ast.Name):
            return self.pure(node)
        if isinstance(node, ast.Attribute):
            key = dotted(node)
            if key is not None and key in self.env:
                return self.env[key]
            if self.names.resolve(node) is not None and not self._shadowed(node):
                return self.global_value(node)
            return self.attribute(node, self.expr(node.value))
        if isinstance(node, ast.Subscript):
            self.expr(node.slice)
            value = self.expr(node.value)
            if _extension_only(node, self.names):
                value = mark(value, cleared=("path",))
            return value
        if isinstance(node, ast.Call):
            return self.call(node, discarded)
        if isinstance(node, ast.JoinedStr):
            parts = [self.expr(v.value) for v in node.values if isinstance(v, ast.FormattedValue)]
            value = union(EMPTY, *parts)
            return step(mark(value, built=True), node, "f-string") if value else EMPTY
        if isinstance(node, ast.FormattedValue):
            return self.expr(node.value)
        if isinstance(node, ast.BinOp):
            left = self.expr(node.left)
            right = self.expr(node.right)
            value = union(left, right)
            if value and isinstance(node.op, (ast.Add, ast.Mod)) and _texty(node):
                note = "% formatting" if isinstance(node.op, ast.Mod) else "concatenation"
                return step(mark(value, built=True), node, note)
            return value
        if isinstance(node, ast.BoolOp):
            return union(*(self.expr(v) for v in node.values))
        if isinstance(node, ast.IfExp):
            self.check(node.test)
            self.expr(node.test)
            return union(self.expr(node.body), self.expr(node.orelse))
        if isinstance(node, ast.Compare):
            self.expr(node.left)
            for compared in node.comparators:
                self.expr(compared)
            return EMPTY  # a boolean carries no text
        if isinstance(node, ast.UnaryOp):
            value = self.expr(node.operand)
            return EMPTY if isinstance(node.op, ast.Not) else value
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return union(EMPTY, *(self.expr(e) for e in node.elts))
        if isinstance(node, ast.Dict):
            for item in node.keys:
                if item is not None:
                    self.expr(item)
            return union(EMPTY, *(self.expr(v) for v in node.values))
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
            return self.comprehension(node.generators, [node.elt])
        if isinstance(node, ast.DictComp):
            return self.comprehension(node.generators, [node.value])
        if isinstance(node, ast.Await):
            return self.expr(node.value)
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            if node.value is not None:
                self.returns |= step(self.expr(node.value), node, "yielded")
            return EMPTY
        if isinstance(node, ast.Starred):
            return self.expr(node.value)
        if isinstance(node, ast.NamedExpr):
            value = self.expr(node.value)
            self.bind(node.target, step(value, node.target, node.target.id))
            return value
        if isinstance(node, ast.Slice):
            for part in (node.lower, node.upper, node.step):
                if part is not None:
                    self.expr(part)
            return EMPTY
        return EMPTY  # lambdas and the like

    def comprehension(self, generators: list[ast.comprehension], results: list[ast.expr]) -> Value:
        saved = dict(self.env)
        for generator in generators:
            items = self.expr(generator.iter)
            self.bind(generator.target, items)
            for condition in generator.ifs:
                self.check(condition)
                self.expr(condition)
        value = union(EMPTY, *(self.expr(r) for r in results))
        self.env = saved
        return value

    # -- calls --------------------------------------------------------------------------

    def type_of(self, node: ast.expr) -> str:
        """The class of a value, where the code says it: an annotated parameter, a
        constructor call, an attribute of ``self`` the class declares."""
        if isinstance(node, ast.Name):
            return self.types.get(node.id, "")
        if isinstance(node, ast.Await):
            return self.type_of(node.value)
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == self.self_name
            and self.self_name
        ):
            return self.owner_attributes.get(node.attr, "")
        if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
            if isinstance(node.func, ast.Name) and node.func.id in self.env:
                return ""
            # Any callee: the repository pass knows whether it is a class (``dbaccess()``
            # is one in some code bases).
            qualified = self.names.qualify(node.func)
            if _project_or_library_class(qualified):
                return qualified
        return ""

    def arguments(self, node: ast.Call) -> list[tuple[int, str, bool, Value]]:
        out: list[tuple[int, str, bool, Value]] = []
        for position, arg in enumerate(node.args):
            if isinstance(arg, ast.Starred):
                out.append((position, "", True, self.expr(arg.value)))
            else:
                out.append((position, "", False, self.expr(arg)))
        for kw in node.keywords:
            if kw.arg is None:
                out.append((-2, "", True, self.expr(kw.value)))
            else:
                out.append((-2, kw.arg, False, self.expr(kw.value)))
        return out

    def call(self, node: ast.Call, discarded: bool) -> Value:
        func = node.func
        if (isinstance(func, ast.Attribute) and func.attr in _VERIFY_METHODS) or self.names.resolve(
            func
        ) in _VERIFIERS:
            self.verifies = True
        if isinstance(func, ast.Attribute):
            return self.method_call(node, func, discarded)
        args = self.arguments(node)
        values = union(EMPTY, *(v for _, _, _, v in args))
        if isinstance(func, ast.Name) and func.id in self.env:
            # A callable held in a variable: nothing says what it does.
            return mark(values, derived=True, unresolved=True)
        if not isinstance(func, ast.Name):
            self.expr(func)
            return mark(values, derived=True, unresolved=True)
        qualified = self.names.qualify(func)
        return self.named_call(node, qualified, "", EMPTY, args, values, discarded)

    def method_call(self, node: ast.Call, func: ast.Attribute, discarded: bool) -> Value:
        method = func.attr
        base = func.value
        resolved = None if self._shadowed(func) else self.names.resolve(func)
        if resolved is not None:
            found = self.models.object_prefix(resolved)
            args = self.arguments(node)
            values = union(EMPTY, *(v for _, _, _, v in args))
            if found is not None:
                # A method of a library's request object: a source the repository pass
                # recognises by its path (``get_json()``).
                receiver = self.global_value(func.value)
                return step(extend(receiver, method + "()"), node, _source_text(node))
            return self.named_call(node, resolved, method, EMPTY, args, values, discarded)
        if (
            isinstance(base, ast.Call)
            and isinstance(base.func, ast.Name)
            and base.func.id == "super"
            and self.owner
        ):
            args = self.arguments(node)
            receiver = self.env.get(self.self_name, EMPTY) if self.self_name else EMPTY
            return self.record(
                node, self.names.local(self.owner), method, "super", receiver, args, discarded
            )
        receiver = self.expr(base)
        args = self.arguments(node)
        values = union(EMPTY, *(v for _, _, _, v in args))
        if isinstance(base, ast.Name) and base.id == self.self_name and self.self_name:
            return self.record(
                node, self.names.local(self.owner), method, "self", receiver, args, discarded
            )
        kind = self.type_of(base)
        if kind:
            # Only a model of that very class here: a project's use case has an
            # ``execute`` of its own, which the repository pass finds before ``*.execute``.
            outcome = self.modelled(node, f"{kind}.{method}", "", receiver, args, values)
            if outcome is not None:
                return outcome
            return self.record(node, kind, method, "typed", receiver, args, discarded)
        outcome = self.modelled(node, f"*.{method}", method, receiver, args, values)
        if outcome is not None:
            return outcome
        if method in _MUTATORS:
            target = _base_name(base) if not isinstance(base, ast.Call) else None
            if target is not None and values:
                key = dotted(base) or target
                self.env[key] = union(self.env.get(key, receiver), step(values, node, key))
            return EMPTY
        if method in _TEXT_BUILDERS:
            value = union(receiver, values)
            return step(mark(value, built=True), node, f".{method}()") if value else EMPTY
        if method in _PATH_BUILDERS:
            return union(receiver, mark(values, derived=True))
        result = union(extend(receiver, method + "()"), mark(values, derived=True, unresolved=True))
        if values and not discarded:
            # Nothing models this method; a project's own model may (``*.method``).
            return self.record(node, "", method, "", receiver, args, discarded)
        return result

    def named_call(
        self,
        node: ast.Call,
        qualified: str,
        method: str,
        receiver: Value,
        args: list[tuple[int, str, bool, Value]],
        values: Value,
        discarded: bool,
    ) -> Value:
        outcome = self.modelled(node, qualified, method, receiver, args, values)
        if outcome is not None:
            return outcome
        top = qualified.split(".", 1)[0]
        local = qualified.rsplit(".", 1)[0] == self.names.module and (
            qualified.rsplit(".", 1)[-1] in self.local_functions
        )
        if not local and (top == "builtins" or top in _STDLIB):
            if method in _MUTATORS:
                return EMPTY
            built = method in _TEXT_BUILDERS
            value = mark(union(receiver, values), derived=True, built=built)
            return step(value, node, f"{label(node.func)}()") if built and value else value
        return self.record(node, qualified, method, "", receiver, args, discarded)

    def modelled(
        self,
        node: ast.Call,
        callee: str,
        method: str,
        receiver: Value,
        args: list[tuple[int, str, bool, Value]],
        values: Value,
    ) -> Value | None:
        """Apply a built-in model of the callee; None when there is none."""
        models = self.models
        sinks = models.sinks_of(callee, method)
        if sinks:
            for sink in sinks:
                self.sink(node, sink, receiver, args)
            return mark(union(receiver, values), derived=True)
        kinds = models.sanitizer(callee, method)
        if kinds is not None:
            if ALL_KINDS in kinds:
                return EMPTY
            return mark(union(receiver, values), derived=True, cleared=kinds)
        return None

    def sink(
        self,
        node: ast.Call,
        sink: SinkModel,
        receiver: Value,
        args: list[tuple[int, str, bool, Value]],
    ) -> None:
        if _exempt(node, sink, self.names):
            return
        flows: list[Value] = []
        if sink.receiver:
            flows.append(receiver)
        for position, keyword, starred, value in args:
            if (
                position in sink.positions
                or keyword in sink.keywords
                or (starred and (sink.positions or sink.keywords))
            ):
                flows.append(value)
        found = union(EMPTY, *flows)
        if not found and sink.kind != "deserialize":
            return  # deserializers are reported whatever they read
        note = ""
        if sink.kind in ("path", "store") and _serves(node):
            note = "served"
        elif sink.kind == "store" and self.temporary_code(node):
            note = "temporary"
        elif sink.kind == "path" and self.reads_only(node):
            note = "read"
        self.sinks.append(
            SinkUse(
                sink.kind,
                label(node.func),
                node.lineno,
                node.col_offset + 1,
                tuple(sorted(found, key=_rank)),
                note,
            )
        )

    def reads_only(self, node: ast.Call) -> bool:
        """An ``open()`` (or ``Path.open()``) whose mode does not write."""
        if isinstance(node.func, ast.Attribute) and node.func.attr == "open":
            position = _OPENERS.get(self.names.qualify(node.func), 0)
        elif isinstance(node.func, ast.Name):
            position = _OPENERS.get(self.names.qualify(node.func), -1)
        else:
            return False
        if position < 0:
            return False
        mode: ast.expr | None = node.args[position] if len(node.args) > position else None
        for kw in node.keywords:
            if kw.arg == "mode":
                mode = kw.value
        if mode is None:
            return True
        return (
            isinstance(mode, ast.Constant)
            and isinstance(mode.value, str)
            and not any(c in mode.value for c in "wax+")
        )

    def record(
        self,
        node: ast.Call,
        target: str,
        method: str,
        receiver_kind: str,
        receiver: Value,
        args: list[tuple[int, str, bool, Value]],
        discarded: bool,
    ) -> Value:
        """Leave the call to the repository pass: its result is ``Root.CALL``."""
        values = [v for _, _, _, v in args]
        if discarded and not receiver and not any(values):
            return EMPTY
        arguments = [
            Argument(position, tuple(sorted(value, key=_rank)), keyword, starred)
            for position, keyword, starred, value in args
            if value
        ]
        if receiver:
            arguments.insert(0, Argument(-1, tuple(sorted(receiver, key=_rank))))
        index = len(self.calls)
        self.calls.append(
            CallSite(
                index,
                node.lineno,
                node.col_offset + 1,
                target,
                method,
                receiver_kind,
                tuple(arguments),
                label(node.func),
            )
        )
        return frozenset({Flow(Root.CALL, index)})


def _leaves(body: list[ast.stmt]) -> bool:
    """A block that never falls through: it raises, returns, aborts or skips."""
    if not body:
        return False
    last = body[-1]
    if isinstance(last, (ast.Raise, ast.Return, ast.Continue, ast.Break)):
        return True
    return (
        isinstance(last, ast.Expr)
        and isinstance(last.value, ast.Call)
        and (dotted(last.value.func) or "").rsplit(".", 1)[-1] in ("abort", "exit", "fail")
    )


def _fixed(node: ast.expr) -> bool:
    """A collection the code fixes: a literal, a constant-looking name, dict keys."""
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return all(isinstance(e, ast.Constant) for e in node.elts)
    if isinstance(node, ast.Dict):
        return True
    if isinstance(node, (ast.Name, ast.Attribute)):
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in ("keys", "values") and _fixed(node.func.value)
    return False


def _name_node(key: str) -> ast.expr:
    parts = key.split(".")
    node: ast.expr = ast.Name(parts[0], ast.Load())
    for part in parts[1:]:
        node = ast.Attribute(node, part, ast.Load())
    return node


def _project_or_library_class(name: str) -> bool:
    """A class worth resolving methods on: not a builtin or standard-library one."""
    top = name.split(".", 1)[0]
    return bool(name) and top != "builtins" and top not in _STDLIB


def _join(left: dict[str, Value], right: dict[str, Value]) -> dict[str, Value]:
    if left is right:
        return dict(left)
    out = dict(left)
    for key, value in right.items():
        current = out.get(key)
        out[key] = value if current is None or current == value else union(current, value)
    return out


def _base_name(node: ast.expr) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _texty(node: ast.expr) -> bool:
    """An expression that builds text: a string literal or f-string among its parts."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return _texty(node.left) or _texty(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in _TEXT_BUILDERS and _texty(node.func.value)
    return False


def _empty_constant(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value in ("", None, 0, b"")


def _extension_only(node: ast.Subscript, names: Names) -> bool:
    """``os.path.splitext(name)[1]`` and ``name.rsplit(".", 1)[-1]``: an extension, which
    cannot climb out of a folder."""
    value = node.value
    index = node.slice
    if not isinstance(value, ast.Call) or not isinstance(index, (ast.Constant, ast.UnaryOp)):
        return False
    number = (
        index.value
        if isinstance(index, ast.Constant)
        else -index.operand.value
        if isinstance(index.operand, ast.Constant) and isinstance(index.operand.value, int)
        else None
    )
    callee = names.qualify(value.func)
    if callee in ("os.path.splitext", "posixpath.splitext") and number in (1, -1):
        return True
    return (
        isinstance(value.func, ast.Attribute)
        and value.func.attr in ("rsplit", "split")
        and number == -1
        and bool(value.args)
        and isinstance(value.args[0], ast.Constant)
        and value.args[0].value == "."
    )


def _exempt(node: ast.Call, sink: SinkModel, names: Names) -> bool:
    if not sink.safe:
        return False
    chosen: ast.expr | None = None
    if 0 <= sink.unless_position < len(node.args):
        chosen = node.args[sink.unless_position]
    for kw in node.keywords:
        if kw.arg == sink.unless_keyword:
            chosen = kw.value
    return chosen is not None and names.qualify(chosen) in sink.safe


def _serves(node: ast.Call) -> bool:
    for child in ast.walk(node):
        if isinstance(child, ast.Attribute) and child.attr in _SERVED_ATTRS:
            return True
        if (
            isinstance(child, ast.Constant)
            and isinstance(child.value, str)
            and _SERVED.search(child.value)
        ):
            return True
    return False


def _target_text(node: ast.expr) -> str:
    return dotted(node) or (_base_name(node) or "…")


def _source_text(node: ast.expr) -> str:
    text = label(node) if not isinstance(node, ast.Call) else label(node.func) + "()"
    return text


def _pattern_names(pattern: ast.pattern) -> list[str]:
    found = []
    for child in ast.walk(pattern):
        name = getattr(child, "name", None)
        if isinstance(name, str):
            found.append(name)
    return found
