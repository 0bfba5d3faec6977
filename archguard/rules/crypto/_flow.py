"""Where a value in one file comes from: the small, per-file flow the crypto rules need.

A rule asks "does this expression derive from a call to ``random.choice``?" or "is this
the raw password?". The answer follows local names back to their assignments (the last
one before the use, in the same function, then the module), through f-strings,
concatenation, containers, comprehensions and calls, and into functions of the same
file: a helper that returns a random string taints what its callers store.

It is deliberately flow-insensitive beyond "the last assignment above": branches are
not told apart, and nothing follows values into other files. Every walk is iterative
and bounded, so no file can make a rule recurse without end.
"""

from __future__ import annotations

import ast
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

Function = ast.FunctionDef | ast.AsyncFunctionDef
Owner = ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
#: Builtins whose result says nothing about the value of their argument.
_OPAQUE_BUILTINS = frozenset(
    {"len", "bool", "isinstance", "issubclass", "hasattr", "callable", "type", "id", "range",
     "print", "repr"}
)  # fmt: skip
#: How many values one question may visit: far more than real code needs.
_BUDGET = 4000
#: The nodes that bind names.
_BINDERS = (
    ast.Assign, ast.AnnAssign, ast.AugAssign, ast.NamedExpr, ast.For, ast.AsyncFor, ast.With,
    ast.AsyncWith, ast.Import, ast.ImportFrom,
)  # fmt: skip
_SKIPPED = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)
_N = TypeVar("_N", bound=ast.AST)


def walk_scope(node: ast.AST) -> Iterator[ast.AST]:
    """Every node under ``node`` in source order, not descending into nested functions,
    lambdas or classes (their bodies are scopes of their own)."""
    stack = list(reversed(list(ast.iter_child_nodes(node))))
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, _NESTED):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(current))))


def position(node: ast.AST) -> tuple[int, int]:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


def after(node: ast.AST) -> tuple[int, int]:
    """Just after ``node``: where a name it assigns becomes visible. ``password =
    hash(password)`` reads the old ``password`` on its right-hand side."""
    line: int | None = getattr(node, "end_lineno", None)
    column: int | None = getattr(node, "end_col_offset", None)
    if line is None or column is None:
        return position(node)
    return (line, column)


@dataclass(frozen=True)
class Binding:
    """One assignment of a name: its value (None for a parameter or an unpacked item
    whose value is not known) and where it happens."""

    at: tuple[int, int]
    value: ast.expr | None
    kind: str  # "assign" | "aug" | "for" | "with" | "param" | "unpack" | "other"
    statement: ast.AST | None = None


@dataclass
class Scope:
    owner: Owner
    parent: Scope | None
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    #: Enclosing class of a method, for ``self.attr`` bindings.
    cls: ast.ClassDef | None = None

    @property
    def function(self) -> Function | None:
        return (
            self.owner if isinstance(self.owner, (ast.FunctionDef, ast.AsyncFunctionDef)) else None
        )

    def add(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)

    def lookup(self, name: str, before: tuple[int, int]) -> Binding | None:
        """The last binding of ``name`` above ``before`` in this scope, or in the
        enclosing scopes (any of their bindings: a function runs after the module)."""
        found = self.bindings.get(name)
        if found:
            earlier = [b for b in found if b.at < before]
            if earlier:
                return earlier[-1]
            if self.parent is None:
                return None
            # A name bound only later in this function is local to it (or a loop's
            # previous iteration); the last binding is the best guess.
            return found[-1]
        scope = self.parent
        while scope is not None:
            outer = scope.bindings.get(name)
            if outer:
                return outer[-1]
            scope = scope.parent
        return None


class FileIndex:
    """The scopes, functions, classes and nodes of one module, built with one walk and
    shared by the rules that look at the same tree (see ``of``)."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.module_scope = Scope(tree, None)
        self._scope_of: dict[int, Scope] = {}
        self.scopes: list[Scope] = [self.module_scope]
        self._scope_for: dict[int, Scope] = {id(tree): self.module_scope}
        #: Top-level functions by name, and methods by (class name, method name).
        self.functions: dict[str, Function] = {}
        self.methods: dict[tuple[str, str], Function] = {}
        self.classes: dict[str, ast.ClassDef] = {}
        self.class_of: dict[int, ast.ClassDef] = {}
        #: ``self.<attr> = value`` in any method, per class name.
        self.attributes: dict[tuple[str, str], list[Binding]] = {}
        #: Every node's parent, and the nodes of each type in source order.
        self.parents: dict[int, ast.AST] = {}
        self.nodes: dict[type, list[ast.AST]] = {}
        self._sites: dict[int, list[tuple[Scope, ast.Call]]] | None = None
        self._build(tree)

    @classmethod
    def of(cls, tree: ast.Module) -> FileIndex:
        """The index of ``tree``, made once however many rules ask for it."""
        index = _INDEXES.get(tree)
        if index is None:
            index = _INDEXES[tree] = cls(tree)
        return index

    def all(self, *types: type[_N]) -> list[_N]:
        """The nodes of these types, in source order."""
        if len(types) == 1:
            return list(self.nodes.get(types[0], ()))  # type: ignore[arg-type]
        found = [n for t in types for n in self.nodes.get(t, ())]
        return sorted(found, key=position)  # type: ignore[arg-type]

    def _build(self, tree: ast.Module) -> None:
        stack: list[tuple[ast.AST, ast.AST | None, Scope, ast.ClassDef | None]] = [
            (tree, None, self.module_scope, None)
        ]
        while stack:
            node, parent, scope, klass = stack.pop()
            if parent is not None:
                self.parents[id(node)] = parent
            self._scope_of[id(node)] = scope
            self.nodes.setdefault(type(node), []).append(node)
            inner, inner_class = scope, klass
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                inner = self._function(node, parent, scope, klass)
                inner_class = self.class_of.get(id(node), klass)
            elif isinstance(node, ast.ClassDef):
                if scope is self.module_scope:
                    self.classes.setdefault(node.name, node)
                scope.add(node.name, Binding(position(node), None, "other", node))
                inner_class = node
            elif isinstance(node, _BINDERS) and not isinstance(parent, ast.ClassDef):
                # A class body's assignments are class attributes, not names of a scope.
                self._bind(node, scope, klass)
            children = [
                (child, node, inner, inner_class)
                for child in ast.iter_child_nodes(node)
                if not isinstance(child, _SKIPPED)
            ]
            stack.extend(reversed(children))

    def _function(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda,
        parent: ast.AST | None,
        scope: Scope,
        klass: ast.ClassDef | None,
    ) -> Scope:
        if isinstance(node, ast.Lambda):
            inner = Scope(node, scope, cls=klass)
        elif isinstance(parent, ast.ClassDef):
            # A method sees the module, not the class body.
            self.methods.setdefault((parent.name, node.name), node)
            self.class_of[id(node)] = parent
            inner = Scope(node, self.module_scope, cls=parent)
        else:
            if scope is self.module_scope:
                self.functions.setdefault(node.name, node)
            scope.add(node.name, Binding(position(node), None, "other", node))
            inner = Scope(node, scope, cls=klass)
        for arg in _params(node.args):
            inner.add(arg.arg, Binding((0, 0), None, "param", arg))
        self.scopes.append(inner)
        self._scope_for[id(node)] = inner
        return inner

    def scope_for(self, owner: ast.AST) -> Scope | None:
        """The scope a function, lambda or module opens."""
        return self._scope_for.get(id(owner))

    def _bind(self, node: ast.AST, scope: Scope, cls: ast.ClassDef | None) -> None:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                self._target(target, node.value, scope, cls, node)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            self._target(node.target, node.value, scope, cls, node)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            scope.add(node.target.id, Binding(after(node), node.value, "aug", node))
        elif isinstance(node, ast.NamedExpr):
            scope.add(node.target.id, Binding(after(node), node.value, "assign", node))
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            for name in _names(node.target):
                scope.add(name.id, Binding(after(node.iter), node.iter, "for", node))
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    for name in _names(item.optional_vars):
                        bound = Binding(after(item.context_expr), item.context_expr, "with", node)
                        scope.add(name.id, bound)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                local = alias.asname or alias.name.split(".")[0]
                scope.add(local, Binding(position(node), None, "other", node))

    def _target(
        self, target: ast.expr, value: ast.expr, scope: Scope, cls: ast.ClassDef | None,
        statement: ast.AST,
    ) -> None:  # fmt: skip
        at = after(value)
        if isinstance(target, ast.Name):
            scope.add(target.id, Binding(at, value, "assign", statement))
        elif isinstance(target, (ast.Tuple, ast.List)):
            values = value.elts if isinstance(value, (ast.Tuple, ast.List)) else None
            for i, element in enumerate(target.elts):
                if values is not None and len(values) == len(target.elts):
                    self._target(element, values[i], scope, cls, statement)
                else:
                    for name in _names(element):
                        scope.add(name.id, Binding(at, value, "unpack", statement))
        elif (
            isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and target.value.id in ("self", "cls")
            and cls is not None
        ):
            key = (cls.name, target.attr)
            self.attributes.setdefault(key, []).append(Binding(at, value, "assign", statement))

    def scope_of(self, node: ast.AST) -> Scope:
        return self._scope_of.get(id(node), self.module_scope)

    def binding(self, name: ast.Name) -> Binding | None:
        return self.scope_of(name).lookup(name.id, position(name))

    def enclosing_class(self, function: Function | None) -> ast.ClassDef | None:
        return None if function is None else self.class_of.get(id(function))

    def callee(self, call: ast.Call, scope: Scope) -> Function | None:
        """The function of this file that a call runs: ``helper(...)`` for a module
        function not rebound locally, ``self.helper(...)`` for a method of the class."""
        func = call.func
        if isinstance(func, ast.Name):
            binding = scope.lookup(func.id, position(call))
            target = binding.statement if binding is not None else None
            if isinstance(target, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return target
            return None
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in ("self", "cls")
            and scope.cls is not None
        ):
            return self.methods.get((scope.cls.name, func.attr))
        return None

    def attribute_bindings(self, expr: ast.Attribute, scope: Scope) -> list[Binding]:
        """What ``self.<attr>`` was assigned in the methods of the enclosing class."""
        if (
            isinstance(expr.value, ast.Name)
            and expr.value.id in ("self", "cls")
            and scope.cls is not None
        ):
            return self.attributes.get((scope.cls.name, expr.attr), [])
        return []

    def call_sites(self, function: Function) -> list[tuple[Scope, ast.Call]]:
        """The calls of ``function`` in this file, with the scope each is made in."""
        if self._sites is None:
            self._sites = {}
            for node in self.all(ast.Call):
                scope = self.scope_of(node)
                called = self.callee(node, scope)
                if called is not None:
                    self._sites.setdefault(id(called), []).append((scope, node))
        return self._sites.get(id(function), [])

    def returns(self, function: Function) -> list[ast.Return]:
        scope = self.scope_for(function)
        return [
            n for n in self.all(ast.Return) if n.value is not None and self.scope_of(n) is scope
        ]


def _params(args: ast.arguments) -> list[ast.arg]:
    found = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    if args.vararg is not None:
        found.append(args.vararg)
    if args.kwarg is not None:
        found.append(args.kwarg)
    return found


def positional_params(function: Function) -> list[str]:
    return [a.arg for a in (*function.args.posonlyargs, *function.args.args)]


def argument_for(
    call: ast.Call, function: Function, param: str, *, bound: bool = False
) -> ast.expr | None:
    """The argument a call passes for one parameter of ``function``. ``self`` and
    ``cls`` are skipped for calls through an attribute, and for ``bound`` calls (a
    class called to make an instance, which runs its ``__init__``)."""
    for kw in call.keywords:
        if kw.arg == param:
            return kw.value
    positional = positional_params(function)
    through = bound or isinstance(call.func, ast.Attribute)
    if through and positional[:1] in (["self"], ["cls"]):
        positional = positional[1:]
    if param in positional:
        index = positional.index(param)
        args = call.args
        if index < len(args) and not any(isinstance(a, ast.Starred) for a in args[: index + 1]):
            return args[index]
    return None


def _names(target: ast.AST) -> Iterator[ast.Name]:
    for node in ast.walk(target):
        if isinstance(node, ast.Name):
            yield node


def comprehension_names(node: ast.AST) -> set[str]:
    found: set[str] = set()
    if isinstance(node, _COMPREHENSIONS):
        for generator in node.generators:
            found.update(n.id for n in _names(generator.target))
    return found


@dataclass(frozen=True)
class Origin:
    """A source a value derives from, and the helper function it came through, if any."""

    node: ast.AST
    helper: Function | None = None


Source = Callable[[ast.AST, Scope], bool]
Stop = Callable[[ast.Call, Scope], bool]


class Tracer:
    """Answers "which source does this value derive from?" for one kind of source.

    ``is_source(node, scope)`` recognises a source expression (a call to
    ``random.choice``, a read of the request's password field, a parameter named
    ``password``); ``stops(call, scope)`` names calls whose result no longer carries
    the source (``secrets.token_hex``, a password hash). Functions of the same file
    are followed through their return values (their summaries are cached).
    """

    def __init__(self, index: FileIndex, is_source: Source, stops: Stop) -> None:
        self.index = index
        self.is_source = is_source
        self.stops = stops
        self._returns: dict[int, Origin | None] = {}
        self._active: set[int] = set()

    def origin(self, expr: ast.AST, scope: Scope | None = None) -> Origin | None:
        scope = scope or self.index.scope_of(expr)
        stack: list[tuple[ast.AST, Scope, frozenset[str]]] = [(expr, scope, frozenset())]
        seen: set[tuple[int, int]] = set()
        budget = _BUDGET
        while stack and budget:
            budget -= 1
            node, where, local = stack.pop()
            key = (id(node), id(where))
            if key in seen:
                continue
            seen.add(key)
            if self.is_source(node, where):
                return Origin(node)
            if isinstance(node, ast.Name):
                if node.id in local:
                    continue
                binding = where.lookup(node.id, position(node))
                if binding is not None and binding.value is not None:
                    stack.append((binding.value, self.index.scope_of(binding.value), frozenset()))
                continue
            if isinstance(node, ast.Attribute):
                for bound in self.index.attribute_bindings(node, where):
                    if bound.value is not None:
                        stack.append((bound.value, self.index.scope_of(bound.value), frozenset()))
                stack.append((node.value, where, local))
                continue
            if isinstance(node, ast.Call):
                if self.stops(node, where) or _opaque(node):
                    continue
                helper = self.index.callee(node, where)
                if helper is not None:
                    found = self.returned(helper)
                    if found is not None:
                        return Origin(node, helper)
                if isinstance(node.func, ast.Attribute):
                    stack.append((node.func.value, where, local))
                for arg in node.args:
                    stack.append((arg, where, local))
                for kw in node.keywords:
                    stack.append((kw.value, where, local))
                continue
            if isinstance(node, _COMPREHENSIONS):
                inner = local | comprehension_names(node)
                parts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
                mentioned = {n.id for p in parts for n in _names(p)}
                for generator in node.generators:
                    if mentioned & {n.id for n in _names(generator.target)}:
                        stack.append((generator.iter, where, local))
                for part in parts:
                    stack.append((part, where, inner))
                continue
            if isinstance(node, (ast.Lambda, ast.Compare, *_NESTED)):
                continue
            if isinstance(node, ast.expr):
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, (ast.expr, ast.keyword, ast.comprehension)):
                        stack.append((child, where, local))
            elif isinstance(node, (ast.keyword, ast.comprehension)):
                for child in ast.iter_child_nodes(node):
                    stack.append((child, where, local))
        return None

    def returned(self, function: Function) -> Origin | None:
        """The source the function's return value derives from (cached; a function
        being summarised returns nothing to itself, so recursion ends)."""
        key = id(function)
        if key in self._returns:
            return self._returns[key]
        if key in self._active:
            return None
        self._active.add(key)
        found: Origin | None = None
        for ret in self.index.returns(function):
            assert ret.value is not None
            found = self.origin(ret.value, self.index.scope_of(ret.value))
            if found is not None:
                break
        self._active.discard(key)
        self._returns[key] = found
        return found


def _opaque(call: ast.Call) -> bool:
    return isinstance(call.func, ast.Name) and call.func.id in _OPAQUE_BUILTINS


def name_of(expr: ast.AST) -> str | None:
    """The name an assignment target, argument or key gives a value: ``token``,
    ``user.api_key`` -> ``api_key``, ``data["reset_code"]`` -> ``reset_code``."""
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        return expr.attr
    if isinstance(expr, ast.Subscript):
        key = expr.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return key.value
    if isinstance(expr, ast.Starred):
        return name_of(expr.value)
    return None


def literal_text(expr: ast.AST | None, scope: Scope | None = None) -> str | None:
    """The text of a string literal or f-string (placeholders left out), also through a
    local name bound to one."""
    for _ in range(8):
        if isinstance(expr, ast.Constant) and isinstance(expr.value, (str, bytes)):
            value = expr.value
            return value if isinstance(value, str) else value.decode("latin-1")
        if isinstance(expr, ast.JoinedStr):
            return "".join(
                v.value
                for v in expr.values
                if isinstance(v, ast.Constant) and isinstance(v.value, str)
            )
        if isinstance(expr, ast.Name) and scope is not None:
            binding = scope.lookup(expr.id, position(expr))
            if binding is None or binding.kind != "assign" or binding.value is None:
                return None
            expr = binding.value
            continue
        return None
    return None


def simple_statement(node: ast.AST, parents: dict[int, ast.AST]) -> ast.AST:
    """The statement a finding is reported at: the enclosing assignment, return or
    expression statement, else the node itself (never a whole ``if`` or ``for``)."""
    current: ast.AST | None = node
    while current is not None:
        if isinstance(current, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Return, ast.Expr)):
            return current
        if isinstance(current, (ast.stmt, *_NESTED)):
            return node
        current = parents.get(id(current))
    return node


#: One index per tree, for as long as the tree lives.
_INDEXES: weakref.WeakKeyDictionary[ast.Module, FileIndex] = weakref.WeakKeyDictionary()
