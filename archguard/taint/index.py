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
    _mro: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)

    def canonical(self, name: str) -> str:
        """Follow re-exports: ``app.services.find_user`` imported into ``app.api`` and
        called as ``app.api.find_user`` is one function."""
        for _ in range(8):
            if name in self.functions or name in self.classes:
                return name
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
            queue.extend(entry[1].bases)
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


def build_index(modules: dict[str, ModuleFacts]) -> TaintIndex:
    index = TaintIndex(modules=modules)
    for name in sorted(modules):
        facts = modules[name]
        for fact in facts.imports:
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
