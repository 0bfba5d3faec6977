"""The taint models: sources, sinks and sanitizers per library, read from the YAML files
of ``rules/taint/`` and from a project's ``[tool.archguard.taint]``.

The per-file pass applies the built-in models (their digest is part of the cache key);
the repository pass applies them again, with the project's own, to the calls the
per-file pass left to it.
"""

from __future__ import annotations

import fnmatch
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from archguard.config.taint_models import ModelError, parse_entry
from archguard.core.taint import ALL_KINDS, SOURCE_KINDS, ModelEntry

try:  # the C loader is several times faster; fall back where libyaml is absent
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

_FILE_KEYS = {"library", "objects", "attributes", "aliases", "sources", "sinks", "sanitizers"}


class ModelFileError(ValueError):
    """A built-in model file that does not read: a bug in archguard itself."""


@dataclass(frozen=True)
class SinkModel:
    call: str
    kind: str
    positions: frozenset[int]
    keywords: frozenset[str]
    receiver: bool
    #: The call is safe when this argument (position, keyword) names one of ``safe``.
    unless_position: int = -1
    unless_keyword: str = ""
    safe: frozenset[str] = frozenset()
    origin: str = ""


@dataclass(frozen=True)
class TypeSource:
    """Reading ``path`` on an object of class ``type`` (a glob) gives request data."""

    type: str
    path: tuple[str, ...]
    kinds: frozenset[str]
    origin: str = ""


@dataclass
class Models:
    #: Module-level name -> class of the object it holds.
    objects: dict[str, str] = field(default_factory=dict)
    #: (class glob, attribute, class of the attribute's object).
    attributes: list[tuple[str, str, str]] = field(default_factory=list)
    #: Another name of a class -> the name its models use.
    aliases: dict[str, str] = field(default_factory=dict)
    type_sources: list[TypeSource] = field(default_factory=list)
    #: Functions that return request data -> their kinds.
    call_sources: dict[str, frozenset[str]] = field(default_factory=dict)
    sinks: dict[str, list[SinkModel]] = field(default_factory=dict)
    #: Callee -> the sink kinds (or ``all``) its result is safe for.
    sanitizers: dict[str, frozenset[str]] = field(default_factory=dict)
    digest: str = ""
    _sources: dict[tuple[tuple[str, ...], tuple[str, ...]], TypeSource | None] = field(
        default_factory=dict, repr=False, compare=False
    )

    # -- calls ----------------------------------------------------------------------

    def sinks_of(self, callee: str, method: str = "") -> list[SinkModel]:
        found = list(self.sinks.get(callee, ()))
        if method and callee != f"*.{method}":
            found += self.sinks.get(f"*.{method}", ())
        return found

    def sanitizer(self, callee: str, method: str = "") -> frozenset[str] | None:
        kinds = self.sanitizers.get(callee)
        if kinds is None and method:
            kinds = self.sanitizers.get(f"*.{method}")
        return kinds

    def source_call(self, callee: str, method: str = "") -> frozenset[str] | None:
        kinds = self.call_sources.get(callee)
        if kinds is None and method:
            kinds = self.call_sources.get(f"*.{method}")
        return kinds

    # -- objects and sources --------------------------------------------------------

    def canonical_type(self, name: str) -> str:
        return self.aliases.get(name, name)

    def object_prefix(self, qualified: str) -> tuple[str, tuple[str, ...]] | None:
        """The modelled object a dotted name starts with (``flask.request`` of
        ``flask.request.args``), and the attributes read after it."""
        parts = qualified.split(".")
        for end in range(len(parts), 0, -1):
            head = ".".join(parts[:end])
            if head in self.objects:
                return head, tuple(parts[end:])
        return None

    def source(self, types: Iterable[str], path: tuple[str, ...]) -> TypeSource | None:
        """The source that reading ``path`` on an object of one of ``types`` gives, if
        any: attributes that hold other modelled objects are followed first."""
        key = (tuple(types), path)
        if key in self._sources:
            return self._sources[key]
        best: TypeSource | None = None
        for raw in key[0]:
            kind = self.canonical_type(raw)
            found = self._source(kind, path, 0)
            if found is not None and (best is None or len(found.path) > len(best.path)):
                best = found
        self._sources[key] = best
        return best

    def _source(self, kind: str, path: tuple[str, ...], depth: int) -> TypeSource | None:
        best: TypeSource | None = None
        for source in self.type_sources:
            if (
                _matches(source.type, kind)
                and _subsequence(source.path, path)
                and (best is None or len(source.path) > len(best.path))
            ):
                best = source
        if path and depth < 3:
            for owner, attribute, target in self.attributes:
                if attribute == path[0] and _matches(owner, kind):
                    inner = self._source(target, path[1:], depth + 1)
                    if inner is not None and (best is None or len(inner.path) >= len(best.path)):
                        best = inner
        return best

    def with_entries(self, entries: Iterable[ModelEntry]) -> Models:
        """These models plus a project's own entries (which win on the same callee)."""
        extra = list(entries)
        if not extra:
            return self
        merged = Models(
            dict(self.objects),
            list(self.attributes),
            dict(self.aliases),
            list(self.type_sources),
            dict(self.call_sources),
            {k: list(v) for k, v in self.sinks.items()},
            dict(self.sanitizers),
            self.digest,
        )
        for entry in extra:
            merged.add(entry)
        return merged

    def add(self, entry: ModelEntry, unless: Mapping[str, Any] | None = None) -> None:
        if entry.role == "source":
            self.call_sources[entry.call] = frozenset(entry.kinds)
        elif entry.role == "sanitizer":
            self.sanitizers[entry.call] = frozenset(entry.kinds)
        else:
            positions = frozenset(int(a) for a in entry.arguments if a.isdigit())
            keywords = frozenset(a for a in entry.arguments if not a.isdigit() and a != "receiver")
            sink = SinkModel(
                entry.call,
                entry.kinds[0],
                positions,
                keywords,
                "receiver" in entry.arguments,
                origin=entry.origin,
            )
            if unless:
                argument = unless.get("argument", [])
                sink = SinkModel(
                    sink.call,
                    sink.kind,
                    sink.positions,
                    sink.keywords,
                    sink.receiver,
                    next((a for a in argument if isinstance(a, int)), -1),
                    next((a for a in argument if isinstance(a, str)), ""),
                    frozenset(str(v) for v in unless.get("in", [])),
                    sink.origin,
                )
            self.sinks.setdefault(entry.call, []).append(sink)


def _matches(pattern: str, name: str) -> bool:
    if pattern.endswith(".*"):
        return name.startswith(pattern[:-1])
    return pattern == name or ("*" in pattern and fnmatch.fnmatchcase(name, pattern))


def _subsequence(pattern: tuple[str, ...], path: tuple[str, ...]) -> bool:
    """``pattern`` read in order in ``path``, its first element first."""
    if not pattern:
        return True
    if not path or path[0] != pattern[0]:
        return False
    rest = iter(path[1:])
    return all(any(item == wanted for item in rest) for wanted in pattern[1:])


def model_directory() -> Path:
    """``rules/taint/`` of the checkout, or its copy inside an installed wheel."""
    package = Path(__file__).resolve().parent.parent
    packaged = package / "patterns" / "taint"
    return packaged if packaged.is_dir() else package.parent / "rules" / "taint"


@lru_cache(maxsize=1)
def builtin_models() -> Models:
    """The models of ``rules/taint/*.yaml``, read once per process."""
    return load_models(sorted(model_directory().glob("*.yaml")))


def load_models(files: list[Path]) -> Models:
    models = Models()
    digest = hashlib.sha256()
    for path in files:
        data = path.read_bytes()
        digest.update(path.name.encode() + b"\0" + data)
        try:
            document = yaml.load(data, Loader=_Loader)
        except yaml.YAMLError as exc:
            raise ModelFileError(f"{path.name}: not valid YAML: {exc}") from None
        _read(models, document, f"rules/taint/{path.name}")
    models.digest = digest.hexdigest()
    return models


def _read(models: Models, document: Any, origin: str) -> None:
    if not isinstance(document, dict) or not set(document) <= _FILE_KEYS:
        raise ModelFileError(f"{origin}: expected the keys {', '.join(sorted(_FILE_KEYS))}")
    for item in document.get("objects") or ():
        models.objects[str(item["name"])] = str(item["type"])
    for item in document.get("aliases") or ():
        models.aliases[str(item["name"])] = str(item["is"])
    for item in document.get("attributes") or ():
        models.attributes.append((str(item["type"]), str(item["attribute"]), str(item["is"])))
    for number, item in enumerate(document.get("sources") or ()):
        if "type" in item:
            kinds = frozenset(item.get("kinds") or ()) | {"request"}
            if not kinds <= SOURCE_KINDS:
                raise ModelFileError(f"{origin}: sources[{number}]: unknown kinds {sorted(kinds)}")
            path = tuple(str(p) for p in item.get("path") or ())
            models.type_sources.append(TypeSource(str(item["type"]), path, kinds, origin))
        else:
            models.add(_entry("source", item, origin, f"sources[{number}]"))
    for number, item in enumerate(document.get("sinks") or ()):
        unless = item.get("unless") if isinstance(item, dict) else None
        plain = {k: v for k, v in item.items() if k != "unless"} if isinstance(item, dict) else item
        models.add(_entry("sink", plain, origin, f"sinks[{number}]"), unless)
    for number, item in enumerate(document.get("sanitizers") or ()):
        entry = _entry("sanitizer", item, origin, f"sanitizers[{number}]")
        if ALL_KINDS in entry.kinds:
            entry = ModelEntry(entry.role, entry.call, (ALL_KINDS,), (), origin)
        models.add(entry)


def _entry(role: str, item: Any, origin: str, where: str) -> ModelEntry:
    try:
        return parse_entry(role, item, origin)
    except ModelError as exc:
        raise ModelFileError(f"{origin}: {where}.{exc.key}: {exc}") from None
