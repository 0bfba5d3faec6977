"""Every module's taint summaries, by qualified name, with the project's re-exports
followed and methods found through the classes' bases."""

from __future__ import annotations

from dataclasses import dataclass, field

from archguard.core.facts import ImportKind, ModuleFacts
from archguard.core.taint import ClassSummary, FunctionSummary


@dataclass(frozen=True)
class Function:
    #: ``module.func`` or ``module.Class.method``.
    qualified: str
    module: str
    path: str
    summary: FunctionSummary

    @property
    def owner(self) -> str:
        """Qualified name of the enclosing class of a method, "" for a function."""
        return f"{self.module}.{self.summary.owner}" if self.summary.owner else ""

    @property
    def takes_self(self) -> bool:
        return bool(self.summary.owner) and not any(
            d.endswith("staticmethod") for d in self.summary.decorators
        )


@dataclass
class TaintIndex:
    functions: dict[str, Function] = field(default_factory=dict)
    classes: dict[str, tuple[str, ClassSummary]] = field(default_factory=dict)
    #: ``module.alias`` -> what it was imported from.
    exports: dict[str, str] = field(default_factory=dict)
    modules: dict[str, ModuleFacts] = field(default_factory=dict)
    #: Module -> the modules it imports ``*`` from.
    stars: dict[str, list[str]] = field(default_factory=dict)
    _mro: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)

    def canonical(self, name: str) -> str:
        """Follow re-exports: ``app.services.find_user`` imported into ``app.api`` and
        called as ``app.api.find_user`` is one function."""
        for _ in range(8):
            if name in self.functions or name in self.classes:
                return name
            starred = self._starred(name)
            if starred is not None:
                return starred
            target = self.exports.get(name)
            if target is None:
                head, _, tail = name.rpartition(".")
                while head and head not in self.exports:
                    head, _, more = head.rpartition(".")
                    tail = f"{more}.{tail}"
                if not head:
                    return name
                target = f"{self.exports[head]}.{tail}"
            if target == name:
                return name
            name = target
        return name

    def _starred(self, name: str) -> str | None:
        """``from models import *`` brings ``models.Pages`` in as ``app.Pages``."""
        head, _, tail = name.rpartition(".")
        for module in self.stars.get(head, ()):
            candidate = f"{module}.{tail}"
            if candidate in self.functions or candidate in self.classes:
                return candidate
        return None

    def local(self, function: Function, name: str) -> str:
        """A name as a function's module means it: a script's own names are bare."""
        if function.module.startswith(SCRIPT_PREFIX) and name:
            own = f"{function.module}.{name}"
            if own in self.functions or own in self.classes:
                return own
            head = name.split(".", 1)[0]
            if f"{function.module}.{head}" in self.classes:
                return own
            starred = self._starred(own)
            if starred is not None:
                return starred
        return self.canonical(name)

    def first_party(self, name: str) -> bool:
        """Whether a qualified name lies in one of the project's own modules."""
        parts = name.split(".")
        return any(".".join(parts[:end]) in self.modules for end in range(len(parts), 0, -1))

    def mro(self, name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The project's classes from ``name`` up, and the library classes they extend."""
        cached = self._mro.get(name)
        if cached is not None:
            return cached
        ours: list[str] = []
        external: list[str] = []
        queue = [name]
        while queue and len(ours) < 32:
            current = self.canonical(queue.pop(0))
            if current in ours or current in external:
                continue
            entry = self.classes.get(current)
            if entry is None:
                external.append(current)
                continue
            ours.append(current)
            module = entry[0]
            for base in entry[1].bases:
                own = f"{module}.{base}"
                queue.append(
                    own if module.startswith(SCRIPT_PREFIX) and own in self.classes else base
                )
        result = (tuple(ours), tuple(external))
        self._mro[name] = result
        return result

    def method(self, klass: str, name: str, *, above: bool = False) -> Function | None:
        """The method ``name`` of class ``klass`` (or of its first base that has one);
        ``above`` starts from the bases, as ``super()`` does."""
        ours, _ = self.mro(self.canonical(klass))
        for current in ours[1:] if above else ours:
            found = self.functions.get(f"{current}.{name}")
            if found is not None:
                return found
        return None


#: Files that are no module (``File-upload.py``) are indexed under this prefix.
SCRIPT_PREFIX = "__script__."


def script_module(path: str) -> str:
    stem = path[:-3] if path.endswith(".py") else path
    return SCRIPT_PREFIX + "".join(c if c.isalnum() else "_" for c in stem)


def build_index(
    modules: dict[str, ModuleFacts], scripts: tuple[ModuleFacts, ...] = ()
) -> TaintIndex:
    everything = dict(modules)
    for facts in scripts:
        everything.setdefault(script_module(facts.path), facts)
    index = TaintIndex(modules=everything)
    for name in sorted(everything):
        facts = everything[name]
        for fact in facts.imports:
            if fact.name == "*" and fact.kind is not ImportKind.DYNAMIC:
                index.stars.setdefault(name, []).append(fact.module)
            if fact.alias and fact.kind is not ImportKind.DYNAMIC and fact.name != "*":
                target = f"{fact.module}.{fact.name}" if fact.name else fact.module
                if fact.kind is not ImportKind.FUNCTION:
                    index.exports.setdefault(f"{name}.{fact.alias}", target)
        taint = facts.taint
        if taint is None:
            continue
        for function in taint.functions:
            qualified = f"{name}.{function.name}"
            index.functions[qualified] = Function(qualified, name, facts.path, function)
        for klass in taint.classes:
            index.classes[f"{name}.{klass.name}"] = (name, klass)
    return index
