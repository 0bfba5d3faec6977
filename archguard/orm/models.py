"""The project's model registry: which classes are Django or SQLAlchemy models, their
relations (forward, reverse, backrefs) with the loading each declares, and the
managers that load by default. Built from every module's class facts; nothing is
imported."""

from __future__ import annotations

from dataclasses import dataclass, field

from archguard.core.facts import ModuleFacts
from archguard.core.orm import ClassFacts, FunctionFlow, Value, ValueKind

DJANGO_BASES = frozenset(
    {
        "django.db.models.Model",
        "django.db.models.base.Model",
        "django.contrib.auth.models.AbstractUser",
        "django.contrib.auth.models.AbstractBaseUser",
        "django.contrib.auth.base_user.AbstractBaseUser",
        "auto_prefetch.Model",
        "model_utils.models.TimeStampedModel",
        "polymorphic.models.PolymorphicModel",
        "mptt.models.MPTTModel",
        "treebeard.mp_tree.MP_Node",
        "treebeard.ns_tree.NS_Node",
        "treebeard.al_tree.AL_Node",
        "wagtail.models.Page",
        "modelcluster.models.ClusterableModel",
        "django_extensions.db.models.TimeStampedModel",
    }
)
_SA_DECLARATIVE = frozenset(
    {
        "sqlalchemy.orm.DeclarativeBase",
        "sqlalchemy.orm.DeclarativeBaseNoMeta",
        "sqlalchemy.orm.decl_api.DeclarativeBase",
        "sqlmodel.SQLModel",
    }
)
_SA_BASE_FACTORIES = ("declarative_base", "as_declarative", "generate_base")
_DJANGO_RELATIONS = {
    "ForeignKey": False,
    "OneToOneField": False,
    "ParentalKey": False,
    "TreeForeignKey": False,
    "GenericForeignKey": False,
    "ManyToManyField": True,
    "ParentalManyToManyField": True,
    "GenericRelation": True,
    "TreeManyToManyField": True,
}
_MANAGER_BASES = ("Manager", "QuerySet")
#: DRF views and mixins that serialize their queryset as a list.
DRF_LIST_VIEWS = frozenset(
    {"ListAPIView", "ListCreateAPIView", "ModelViewSet", "ReadOnlyModelViewSet", "ListModelMixin"}
)
#: SQLAlchemy ``lazy=`` values that load with the parent, or never query.
EAGER = frozenset({"joined", "selectin", "subquery", "immediate", "auto"})
NO_QUERY = frozenset({"raise", "raise_on_sql", "noload"})
ALWAYS_QUERY = frozenset({"dynamic", "write_only"})


@dataclass(frozen=True)
class Relation:
    name: str
    owner: str
    target: str
    many: bool
    orm: str
    lazy: str = "select"
    null: bool = False
    generic: bool = False
    #: ``<name>_id`` is readable without a query.
    id_attribute: bool = True
    line: int = 0
    #: For a collection: the relation on its rows that points back to the owner
    #: (``book.author`` for ``author.books``). Rows read through the collection have it
    #: set already: Django attaches the parent, SQLAlchemy finds it in the identity map.
    back: str = ""


@dataclass
class Model:
    qualname: str
    module: str
    facts: ClassFacts
    orm: str
    abstract: bool = False
    relations: dict[str, Relation] = field(default_factory=dict)
    #: Manager attribute -> paths its ``get_queryset`` loads.
    manager_loads: dict[str, tuple[str, ...]] = field(default_factory=dict)
    parents: tuple[str, ...] = ()
    #: ``association_proxy`` attribute -> the relation path it reads through.
    proxies: dict[str, str] = field(default_factory=dict)
    #: Manager attribute -> the project class behind it (a Manager or a QuerySet).
    manager_classes: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.facts.name


class Registry:
    def __init__(self, modules: dict[str, ModuleFacts]) -> None:
        self.modules = modules
        self.classes: dict[str, tuple[str, ClassFacts]] = {}
        self.functions: dict[str, tuple[str, FunctionFlow]] = {}
        self.factories: dict[str, str] = {}
        self.settings: set[str] = set()
        for name, facts in sorted(modules.items()):
            if facts.orm is None:
                continue
            for cls in facts.orm.classes:
                self.classes[f"{name}.{cls.name}"] = (name, cls)
            for flow in facts.orm.functions:
                self.functions[f"{name}.{flow.name}"] = (name, flow)
            for target, callee in facts.orm.factories:
                self.factories[f"{name}.{target}"] = callee
            self.settings.update(facts.orm.settings)
        self._by_name: dict[str, list[str]] = {}
        self.models: dict[str, Model] = {}
        self.user_model = self._user_model()
        self._find_models()
        for model in self.models.values():
            self._relations(model)
        self._reverse_relations()
        self._inherit_relations()
        for model in self.models.values():
            self._managers(model)

    # -- names -------------------------------------------------------------------

    def canonical(self, name: str) -> str:
        """Follows re-exports (``from .models import Book`` in a package ``__init__``)
        to the module that defines the name; ``User = get_user_model()`` and
        ``settings.AUTH_USER_MODEL`` are the project's user model."""
        for _ in range(4):
            if self.user_model and (
                name.endswith(".AUTH_USER_MODEL")
                or self.factories.get(name, "").endswith("get_user_model")
            ):
                return self.user_model
            if name in self.classes or name in self.functions or name in self.factories:
                return name
            moved = self._reexported(name)
            if moved is None:
                return name
            name = moved
        return name

    def _reexported(self, name: str) -> str | None:
        parts = name.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:cut])
            facts = self.modules.get(module)
            if facts is None:
                continue
            for imported in facts.imports:
                if imported.alias == parts[cut] and imported.name:
                    return ".".join([imported.module, imported.name, *parts[cut + 1 :]])
            # ``from shop.models import *``: the first starred module that defines it.
            rest = ".".join(parts[cut:])
            for imported in facts.imports:
                if imported.name == "*":
                    candidate = f"{imported.module}.{rest}"
                    if self._defines(candidate):
                        return candidate
            return None
        return None

    def _defines(self, name: str) -> bool:
        """Whether ``name`` is a class or function of the project, or re-exported by
        the module it names (one step)."""
        if name in self.classes or name in self.functions or name in self.factories:
            return True
        module, _, attr = name.rpartition(".")
        facts = self.modules.get(module)
        return facts is not None and any(
            i.alias == attr or (i.name == "*" and i.module != module) for i in facts.imports
        )

    def model(self, name: str) -> Model | None:
        if name.startswith("apps:"):
            return self.model_by_label(name[len("apps:") :])
        return self.models.get(self.canonical(name)) if name else None

    def model_by_label(self, label: str) -> Model | None:
        """``shop.Book``, Django's ``app_label.ModelName`` (``apps.get_model``, string
        relations): the model of that name in the app whose package is ``shop``."""
        app, _, name = label.rpartition(".")
        candidates = self._by_name.get(name, [])
        if app and len(candidates) > 1:
            candidates = [c for c in candidates if f".{app}." in f".{c}"]
        return self.models[candidates[0]] if len(candidates) == 1 else None

    def function(self, name: str) -> tuple[str, FunctionFlow] | None:
        return self.functions.get(self.canonical(name))

    def method(self, cls: str, name: str) -> tuple[str, FunctionFlow] | None:
        """A method through the class's project bases (depth-first, as the MRO mostly is)."""
        for owner in self.lineage(cls):
            found = self.functions.get(f"{owner}.{name}")
            if found is not None:
                return found
        return None

    def has_method(self, cls: str, name: str) -> bool:
        """Whether the class or a project base defines ``name`` (whatever its body)."""
        return any(name in self.classes[owner][1].methods for owner in self.lineage(cls))

    def callee(self, name: str, cls: str) -> tuple[str, FunctionFlow] | None:
        """The function a call names: ``self.method`` through ``cls``, a method of an
        object ``self`` holds (``self.repo.get``), ``Class.method`` through the class's
        bases, else a function."""
        if name.startswith("self."):
            rest = name[len("self.") :]
            if "." not in rest:
                return self.method(cls, rest) if cls else None
            attribute, _, method = rest.partition(".")
            held = self.instance_type(cls, attribute) if cls else ""
            return self.method(held, method) if held and "." not in method else None
        found = self.function(name)
        if found is None and "." in name:
            owner, _, method = name.rpartition(".")
            if self.canonical(owner) in self.classes:
                return self.method(owner, method)
        return found

    def instance_type(self, cls: str, attribute: str) -> str:
        """The project class of ``self.<attribute>``: an annotated class attribute
        (``repo: Repo``), a class attribute built from a class (``repo = Repo()``), or
        what a method of the class assigns (``self.repo = Repo(session)``)."""
        for owner in self.lineage(cls):
            facts = self.classes[owner][1]
            found = facts.attribute(attribute)
            if found is not None:
                if found.annotation and self.canonical(found.annotation) in self.classes:
                    return self.canonical(found.annotation)
                if found.value.kind is ValueKind.CALL:
                    named = self.canonical(found.value.text)
                    if named in self.classes:
                        return named
            for method in facts.methods:
                flow = self.functions.get(f"{owner}.{method}")
                if flow is not None:
                    for name, held in flow[1].attribute_types:
                        if name == attribute and self.canonical(held) in self.classes:
                            return self.canonical(held)
        return ""

    def lineage(self, cls: str) -> list[str]:
        """The class and its project bases, nearest first."""
        seen: list[str] = []
        pending = [self.canonical(cls)]
        while pending:
            current = pending.pop(0)
            if current in seen or current not in self.classes:
                continue
            seen.append(current)
            pending.extend(self.canonical(b) for b in self.classes[current][1].bases)
        return seen

    def external_bases(self, cls: str) -> set[str]:
        """Every base outside the project, through the project's own bases."""
        found: set[str] = set()
        for owner in self.lineage(cls):
            found.update(
                b for b in self.classes[owner][1].bases if self.canonical(b) not in self.classes
            )
        return found

    def attribute(self, cls: str, name: str) -> tuple[str, Value, int] | None:
        for owner in self.lineage(cls):
            found = self.classes[owner][1].attribute(name)
            if found is not None:
                return self.classes[owner][0], found.value, found.line
        return None

    # -- DRF serializers -------------------------------------------------------------

    def serializer(self, name: str) -> str:
        """``name`` canonical when it is a project DRF serializer class, else ""."""
        name = self.canonical(name)
        # A serializer, not any DRF class: a ``PrimaryKeyRelatedField`` subclass is a field.
        if name in self.classes and any(
            b.rsplit(".", 1)[-1].endswith("Serializer") for b in self.external_bases(name)
        ):
            return name
        return ""

    def view_serializer(self, view: str) -> str:
        """The serializer class a DRF view declares in ``serializer_class``, or ""."""
        found = self.view_serializers(view)
        return found[0] if found else ""

    def view_serializers(self, view: str) -> list[str]:
        """Every serializer class a DRF view may use: the ones its
        ``get_serializer_class()`` returns, else its ``serializer_class``."""
        if not view:
            return []
        method = self.method(view, "get_serializer_class")
        if method is not None and method[1].returned_names:
            named = [self.serializer(n) for n in method[1].returned_names]
            found = [n for n in dict.fromkeys(named) if n]
            if found:
                return found
        attribute = self.attribute(view, "serializer_class")
        serializer = self.serializer(attribute[1].text) if attribute is not None else ""
        return [serializer] if serializer else []

    def serializer_model(self, serializer: str) -> Model | None:
        """The model a ModelSerializer saves: its ``Meta.model``."""
        for owner in self.lineage(serializer) if serializer else ():
            value = self.classes[owner][1].meta_value("model")
            if value is not None:
                return self.model(value.text)
        return None

    # -- models ------------------------------------------------------------------

    def _user_model(self) -> str:
        """The project's custom user model: the one class that extends Django's
        ``AbstractUser`` or ``AbstractBaseUser`` directly ("" when there is none, or
        several)."""
        found = [
            name
            for name, (_, cls) in sorted(self.classes.items())
            if any(b.rsplit(".", 1)[-1] in ("AbstractUser", "AbstractBaseUser") for b in cls.bases)
            and not any(m.name == "abstract" and m.value.text == "True" for m in cls.meta)
        ]
        return found[0] if len(found) == 1 else ""

    def _orm_of_base(self, base: str) -> str:
        if base in DJANGO_BASES:
            return "django"
        if base in _SA_DECLARATIVE:
            return "sqlalchemy-base"
        owner, _, attr = base.rpartition(".")
        factory = self.factories.get(self.canonical(owner)) if attr == "Model" else None
        if factory is not None and factory.endswith("SQLAlchemy"):
            return "sqlalchemy"  # Flask-SQLAlchemy's ``db.Model``
        factory = self.factories.get(self.canonical(base))
        if factory is not None and factory.rsplit(".", 1)[-1] in _SA_BASE_FACTORIES:
            return "sqlalchemy"
        return ""

    def _find_models(self) -> None:
        kinds: dict[str, str] = {}
        changed = True
        while changed:
            changed = False
            for name, (_, cls) in self.classes.items():
                if name in kinds:
                    continue
                for base in cls.bases:
                    kind = kinds.get(self.canonical(base)) or self._orm_of_base(base)
                    if base == "sqlmodel.SQLModel" or kind == "sqlmodel":
                        # Only ``table=True`` maps a table; other SQLModel classes are schemas
                        # and shared field sets that tables inherit from.
                        table = any(
                            k.name == "table" and k.value.text == "True" for k in cls.keywords
                        )
                        kind = "sqlalchemy" if table else "sqlmodel"
                    elif kind == "sqlalchemy-base" and base in _SA_DECLARATIVE:
                        kinds[name] = "sqlalchemy-base"
                        changed = True
                        break
                    elif kind == "sqlalchemy-base":
                        kind = "sqlalchemy"
                    if kind:
                        kinds[name] = kind
                        changed = True
                        break
                else:
                    if _declares_django_fields(cls) and not any(
                        self.canonical(b) in self.classes for b in cls.bases
                    ):
                        # Bases from a library archguard does not know (``SoftDeleteModel``)
                        # but a body of Django model fields: a model.
                        kinds[name] = "django"
                        changed = True
        for name, kind in sorted(kinds.items()):
            if kind not in ("django", "sqlalchemy"):
                continue
            module, cls = self.classes[name]
            abstract = any(
                m.name == "abstract" and m.value.text == "True" for m in cls.meta
            ) or any(a.name == "__abstract__" and a.value.text == "True" for a in cls.attributes)
            self.models[name] = Model(name, module, cls, kind, abstract)
            self._by_name.setdefault(cls.name, []).append(name)

    def _target(self, model: Model, value: Value | None, annotation: str) -> str:
        if value is not None and value.kind is ValueKind.REF:
            return self.canonical(value.text)
        text = value.text if value is not None and value.kind is ValueKind.STRING else annotation
        if not text:
            return ""
        if text == "self":
            return model.qualname
        if text in self.models:
            return text
        label, _, name = text.rpartition(".")
        candidates = self._by_name.get(name, [])
        if label:
            candidates = [c for c in candidates if f".{label}." in f".{c}"] or candidates
        else:
            same_app = [c for c in candidates if c.split(".")[0] == model.qualname.split(".")[0]]
            candidates = same_app or candidates
        if len(candidates) == 1:
            return candidates[0]
        return self.canonical(annotation) if annotation else ""

    def _relations(self, model: Model) -> None:
        for owner in reversed(self.lineage(model.qualname)):
            cls = self.classes[owner][1]
            attrs = {a.name for a in cls.attributes}
            for attribute in cls.attributes:
                relation = self._relation(
                    model,
                    attribute.name,
                    attribute.value,
                    attribute.annotation,
                    attribute.many,
                    attrs,
                    attribute.line,
                )
                if relation is not None:
                    model.relations[relation.name] = relation
                proxied = _proxy(attribute.value)
                if proxied and model.orm == "sqlalchemy":
                    model.proxies[attribute.name] = proxied

    def _relation(
        self,
        model: Model,
        name: str,
        value: Value,
        annotation: str,
        many: bool,
        attrs: set[str],
        line: int,
    ) -> Relation | None:
        if value.kind is not ValueKind.CALL:
            return None
        callee = value.text.rsplit(".", 1)[-1]
        if model.orm == "django" and callee in _DJANGO_RELATIONS:
            target = self._target(model, value.items[0] if value.items else value.keyword("to"), "")
            null = (value.keyword("null") or Value(ValueKind.OTHER)).text == "True"
            lazy = "auto" if value.text.startswith("auto_prefetch.") else "select"
            return Relation(
                name,
                model.qualname,
                target,
                _DJANGO_RELATIONS[callee],
                "django",
                lazy,
                null=null,
                generic=callee.startswith("Generic"),
                id_attribute=callee not in ("GenericForeignKey",) and not _DJANGO_RELATIONS[callee],
                line=line,
            )
        if model.orm == "sqlalchemy" and callee in ("relationship", "Relationship", "relation"):
            first = value.items[0] if value.items else None
            target = self._target(model, first, annotation)
            lazy_value = value.keyword("lazy")
            options = value.keyword("sa_relationship_kwargs")
            if lazy_value is None and options is not None:
                lazy_value = options.keyword("lazy")
            uselist = value.keyword("uselist")
            if uselist is not None:
                many = uselist.text == "True"
            elif not annotation:
                many = self._sa_direction(model, name, value, target)
            return Relation(
                name,
                model.qualname,
                target,
                many,
                "sqlalchemy",
                _lazy(lazy_value),
                id_attribute=f"{name}_id" in attrs,
                line=line,
            )
        return None

    def _sa_direction(self, model: Model, name: str, value: Value, target: str) -> bool:
        """Whether an unannotated ``relationship()`` is a collection, from where the
        foreign key lives (a name is a poor guide: ``children`` and ``history`` are
        collections, ``status`` is not). A ``secondary`` table makes it many-to-many; a
        foreign key on this side to the target's table makes it many-to-one; one on the
        target's side pointing here, one-to-many. ``remote_side`` marks the many-to-one
        half of a self-reference."""
        if value.keyword("secondary") is not None:
            return True
        if value.keyword("remote_side") is not None:
            return False
        other = self.models.get(target)
        if other is not None:
            here = self._table(model)
            there = self._table(other)
            forward = there in self._foreign_tables(model)
            backward = here in self._foreign_tables(other)
            if target == model.qualname:
                return True  # a self-reference without remote_side: the children
            if forward != backward:
                return backward
            partner = value.keyword("back_populates")
            if partner is not None:
                found = other.facts.attribute(partner.text)
                if found is not None and found.annotation:
                    return not found.many
        return name.endswith("s")

    def _table(self, model: Model) -> str:
        """A mapped class's table: ``__tablename__``, else Flask-SQLAlchemy's default
        (the class name in snake case; SQLModel's lower case is the same for one word)."""
        for owner in self.lineage(model.qualname):
            found = self.classes[owner][1].attribute("__tablename__")
            if found is not None and found.value.kind is ValueKind.STRING:
                return found.value.text
        return _snake(model.name)

    def _foreign_tables(self, model: Model) -> set[str]:
        """Tables this model's columns point at with ``ForeignKey("table.column")``, or
        with ``ForeignKey(Other.id)``."""
        found: set[str] = set()
        for owner in self.lineage(model.qualname):
            for attribute in self.classes[owner][1].attributes:
                for key in _foreign_keys(attribute.value):
                    if key.kind is ValueKind.STRING:
                        found.add(key.text.rpartition(".")[0] or key.text)
                    elif key.kind is ValueKind.REF:
                        other = self.models.get(self.canonical(key.text.rpartition(".")[0]))
                        if other is not None:
                            found.add(self._table(other))
                for column in _sqlmodel_keys(attribute.value):
                    found.add(column.rpartition(".")[0])
        return found

    def _reverse_relations(self) -> None:
        for model in list(self.models.values()):
            facts = self.classes[model.qualname][1]
            for attribute in facts.attributes:
                relation = model.relations.get(attribute.name)
                if relation is None or relation.owner != model.qualname:
                    continue
                target = self.models.get(relation.target)
                if target is None:
                    continue
                reverse = self._reverse(model, relation, attribute.value)
                if reverse is not None and reverse.name not in target.relations:
                    target.relations[reverse.name] = reverse

    def _inherit_relations(self) -> None:
        """A proxy or multi-table child has its parents' reverse accessors too
        (``CreatorUser(User)`` reads ``user.user_onboarding``)."""
        for model in self.models.values():
            for owner in self.lineage(model.qualname)[1:]:
                parent = self.models.get(owner)
                if parent is None:
                    continue
                for name, relation in parent.relations.items():
                    model.relations.setdefault(name, relation)

    def _reverse(self, model: Model, relation: Relation, value: Value) -> Relation | None:
        if relation.orm == "django":
            if relation.generic:
                return None
            related = value.keyword("related_name")
            name = related.text if related is not None and related.kind is ValueKind.STRING else ""
            if name.endswith("+"):
                return None
            one = value.text.endswith("OneToOneField")
            if not name:
                name = model.name.lower() + ("" if one else "_set")
            if "%(" in name:
                name = name.replace("%(class)s", model.name.lower())
            return Relation(
                name,
                relation.target,
                model.qualname,
                not one,
                "django",
                id_attribute=False,
                back=relation.name,
            )
        backref = value.keyword("backref")
        if backref is None:
            return None
        target = self.models.get(relation.target)
        columns = (
            {
                a.name
                for owner in self.lineage(target.qualname)
                for a in self.classes[owner][1].attributes
            }
            if target is not None
            else set()
        )
        if backref.kind is ValueKind.STRING:
            return Relation(
                backref.text,
                relation.target,
                model.qualname,
                not relation.many,
                "sqlalchemy",
                id_attribute=f"{backref.text}_id" in columns,
                back=relation.name if not relation.many else "",
            )
        if (
            backref.kind is ValueKind.CALL
            and backref.items
            and backref.items[0].kind is ValueKind.STRING
        ):
            lazy = backref.keyword("lazy")
            uselist = backref.keyword("uselist")
            return Relation(
                backref.items[0].text,
                relation.target,
                model.qualname,
                uselist.text == "True" if uselist is not None else not relation.many,
                "sqlalchemy",
                _lazy(lazy),
                id_attribute=f"{backref.items[0].text}_id" in columns,
                back=relation.name if not relation.many else "",
            )
        return None

    def _managers(self, model: Model) -> None:
        """Managers whose ``get_queryset`` loads relations for every query."""
        if model.orm != "django":
            return
        for owner in self.lineage(model.qualname):
            for attribute in self.classes[owner][1].attributes:
                value = attribute.value
                if value.kind is not ValueKind.CALL:
                    continue
                cls = value.text.removesuffix(".as_manager")
                cls = self.canonical(cls)
                if cls not in self.classes or not any(
                    b.rsplit(".", 1)[-1].endswith(_MANAGER_BASES) for b in self.external_bases(cls)
                ):
                    continue
                model.manager_classes.setdefault(attribute.name, cls)
                found = self.method(cls, "get_queryset")
                if found is not None and found[1].returns is not None:
                    returned = found[1].returns
                    loads = returned.loads + (("*",) if returned.load_all else ())
                    model.manager_loads.setdefault(attribute.name, loads)


#: ``lazy=True`` / ``False`` / ``None`` are the legacy spellings of these strategies.
_LEGACY_LAZY = {"True": "select", "False": "joined", "None": "noload"}


def _lazy(value: Value | None) -> str:
    """The loader strategy a ``lazy=`` argument declares ("select" when absent)."""
    if value is None or not value.text:
        return "select"
    return _LEGACY_LAZY.get(value.text, value.text)


def _proxy(value: Value) -> str:
    """``association_proxy("keyword_links", "keyword")`` reads ``keyword_links__keyword``."""
    if value.kind is not ValueKind.CALL or not value.text.endswith("association_proxy"):
        return ""
    names = [item.text for item in value.items[:2] if item.kind is ValueKind.STRING]
    return "__".join(names) if len(names) == 2 else ""


def _snake(name: str) -> str:
    """``UserRole`` → ``user_role``, Flask-SQLAlchemy's default table name."""
    out = []
    for index, char in enumerate(name):
        if char.isupper() and index and not name[index - 1].isupper():
            out.append("_")
        out.append(char.lower())
    return "".join(out)


def _foreign_keys(value: Value) -> list[Value]:
    """The targets of ``ForeignKey(...)`` calls inside a column definition."""
    found: list[Value] = []
    pending = [value]
    while pending:
        current = pending.pop()
        if current.kind is ValueKind.CALL:
            if current.text.rsplit(".", 1)[-1] == "ForeignKey" and current.items:
                found.append(current.items[0])
            else:
                pending.extend(current.items)
                pending.extend(k.value for k in current.keywords)
    return found


def _sqlmodel_keys(value: Value) -> list[str]:
    """``Field(foreign_key="team.id")``."""
    if value.kind is not ValueKind.CALL:
        return []
    key = value.keyword("foreign_key")
    return [key.text] if key is not None and key.kind is ValueKind.STRING else []


def _declares_django_fields(cls: ClassFacts) -> bool:
    """Two or more ``models.XField(...)`` / ``ForeignKey(...)`` class attributes."""
    return (
        sum(
            1
            for a in cls.attributes
            if a.value.kind is ValueKind.CALL and a.value.text.startswith("django.db.models.")
        )
        >= 2
    )
