"""What a name holds within its function or module: enough local data flow for a rule
to see a payload dict built lines before the ``jwt.encode`` that signs it, or an options
dict defined at the top of the module and passed to ``jwt.decode``.

Rules record the nodes they care about while the shared traversal runs and judge them
in :meth:`LocalValues.judge`, once the whole module has been seen: a module constant may
be assigned below the function that reads it. Names follow Python's scoping, simplified:
a function sees its own bindings, then the module's (class bodies are not visible from
their methods). A name bound in a way that cannot be followed (a parameter, a loop or
``with`` target, tuple unpacking, ``global``) is unknown, and unknown means silent.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from archguard.scan.context import FileContext
from archguard.scan.scoped_rule import Scope, ScopedRule
from archguard.scan.syntax import string

#: Calls that read an environment variable with a fallback: (position, keyword) of the
#: fallback.
_ENV_DEFAULTS = {
    "os.getenv": (1, "default"),
    "os.environ.get": (1, "default"),
    "os.environ.setdefault": (1, "value"),
}


@dataclass
class Frame:
    """The bindings of one module, class or function body."""

    parent: Frame | None
    #: name -> every value assigned to it, in source order.
    values: dict[str, list[ast.expr]] = field(default_factory=dict)
    #: name -> {"key": value} for ``name["key"] = value``.
    items: dict[str, dict[str, ast.expr]] = field(default_factory=dict)
    #: name -> the calls of its methods (``name.update(...)``, ``name.validate()``).
    method_calls: dict[str, list[ast.Call]] = field(default_factory=dict)
    #: Names bound in ways that cannot be followed, or written with unknown keys.
    unknown: set[str] = field(default_factory=set)

    def owner(self, name: str) -> Frame | None:
        """The innermost frame that binds ``name``."""
        frame: Frame | None = self
        while frame is not None:
            if name in frame.values or name in frame.unknown or name in frame.items:
                return frame
            frame = frame.parent
        return None


class LocalValues(ScopedRule):
    """A scoped rule that keeps a :class:`Frame` per module, class and function.
    Subclasses record ``(frame, node)`` pairs of interest and judge them in
    :meth:`judge`, called when the traversal leaves the module."""

    def __init__(self, ctx: FileContext) -> None:
        super().__init__(ctx)
        self.module_frame = Frame(None)
        #: (frame, is a class body) for the scopes currently open, outermost first.
        self._open: list[tuple[Frame, bool]] = []

    @property
    def frame(self) -> Frame:
        """The frame of the innermost open scope."""
        return self._open[-1][0] if self._open else self.module_frame

    def entered(self, node: Scope) -> None:
        if isinstance(node, ast.ClassDef):
            self._open.append((Frame(self.frame), True))
            return
        # A function sees the enclosing functions and the module, not a class body.
        parent = next((f for f, is_class in reversed(self._open) if not is_class), None)
        frame = Frame(parent or self.module_frame)
        arguments = node.args
        for arg in (
            *arguments.posonlyargs,
            *arguments.args,
            *arguments.kwonlyargs,
            arguments.vararg,
            arguments.kwarg,
        ):
            if arg is not None:
                frame.unknown.add(arg.arg)
        self._open.append((frame, False))

    def leaving(self, node: Scope) -> None:
        self._open.pop()

    # -- recording bindings -------------------------------------------------------

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._bind(target, node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._bind(node.target, node.value)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Name):
            self.frame.unknown.add(node.target.id)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.frame.values.setdefault(node.target.id, []).append(node.value)

    def visit_For(self, node: ast.For) -> None:
        self._unknown(node.target)

    visit_AsyncFor = visit_For

    def visit_withitem(self, node: ast.withitem) -> None:
        if node.optional_vars is not None:
            self._unknown(node.optional_vars)

    def visit_Global(self, node: ast.Global) -> None:
        self.frame.unknown.update(node.names)

    visit_Nonlocal = visit_Global

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                self.frame.unknown.add(target.value.id)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            self.frame.method_calls.setdefault(func.value.id, []).append(node)
        self.call(node)

    def call(self, node: ast.Call) -> None:
        """Every call, after its receiver's method call is recorded."""

    def _bind(self, target: ast.expr, value: ast.expr) -> None:
        if isinstance(target, ast.Name):
            self.frame.values.setdefault(target.id, []).append(value)
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            key = string(target.slice)
            if key is None:
                self.frame.unknown.add(target.value.id)
            else:
                self.frame.items.setdefault(target.value.id, {})[key] = value
        elif isinstance(target, (ast.Tuple, ast.List, ast.Starred)):
            self._unknown(target)

    def _unknown(self, target: ast.expr) -> None:
        for node in ast.walk(target):
            if isinstance(node, ast.Name):
                self.frame.unknown.add(node.id)

    # -- judging ---------------------------------------------------------------------

    def leave_Module(self, node: ast.Module) -> None:
        self.judge()

    def judge(self) -> None:
        """Called once the whole module has been seen."""

    def values_of(self, frame: Frame, name: str) -> list[ast.expr] | None:
        """Every value the name is given where ``frame`` reads it, or None when one of
        its bindings cannot be followed."""
        owner = frame.owner(name)
        if owner is None or name in owner.unknown:
            return None
        return owner.values.get(name, [])

    def resolve(self, frame: Frame, expr: ast.expr, depth: int = 0) -> ast.expr:
        """The expression a name stands for when it is given exactly one value (``x =
        {...}`` then ``f(x)``); otherwise the expression itself."""
        if isinstance(expr, ast.Name) and depth < 4:
            values = self.values_of(frame, expr.id)
            if values is not None and len(values) == 1:
                owner = frame.owner(expr.id) or frame
                return self.resolve(owner, values[0], depth + 1)
        return expr

    def literal(self, frame: Frame, expr: ast.expr | None) -> tuple[str | None, bool]:
        """The string an expression holds, through names and environment fallbacks
        (``os.getenv("KEY", "dev")``), and whether it is only such a fallback."""
        if expr is None:
            return None, False
        value = self.resolve(frame, expr)
        text = string(value)
        if text is not None:
            return text, False
        if isinstance(value, ast.Call):
            callee = self.ctx.names.resolve(value.func)
            if callee in _ENV_DEFAULTS:
                position, keyword = _ENV_DEFAULTS[callee]
                fallback: ast.expr | None = None
                if len(value.args) > position:
                    fallback = value.args[position]
                for kw in value.keywords:
                    if kw.arg == keyword:
                        fallback = kw.value
                return string(fallback), True
        return None, False

    def source_line(self, node: ast.AST) -> str:
        """The first line of a node's code, as the fingerprint of a shape uses it."""
        return self.ctx.code(node).split("\n", 1)[0]
