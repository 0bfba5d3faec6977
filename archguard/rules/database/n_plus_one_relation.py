"""AG301 n-plus-one-relation."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from archguard.core.findings import Finding
from archguard.core.levels import Category, Confidence, Severity
from archguard.core.rule_meta import Invalid, RuleMeta, Valid
from archguard.graph.project import Project
from archguard.orm.analysis import orm_analysis
from archguard.orm.consumption import Problem
from archguard.rules.database._common import (
    PER_ROW,
    at,
    dotted,
    load_fix,
    placed,
    problem_related,
)
from archguard.rules.project_rule import ProjectRule

_MODELS = """
    from django.db import models

    class Author(models.Model):
        name = models.CharField(max_length=100)

    class Tag(models.Model):
        name = models.CharField(max_length=30)

    class Book(models.Model):
        title = models.CharField(max_length=200)
        author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
        tags = models.ManyToManyField(Tag, related_name="books")
"""
_SA_MODELS = """
    from sqlalchemy import ForeignKey
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

    class Base(DeclarativeBase):
        pass

    class User(Base):
        __tablename__ = "users"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str]

    class Post(Base):
        __tablename__ = "posts"
        id: Mapped[int] = mapped_column(primary_key=True)
        author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
        author: Mapped[User] = relationship()
"""

#: Flask-SQLAlchemy's legacy spelling: ``lazy=True`` is the default lazy load.
_FLASK_MODELS = """
    from forum.extensions import db

    class User(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        username = db.Column(db.String(80))

    class Topic(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        author_id = db.Column(db.Integer, db.ForeignKey("user.id"))
        author = db.relationship("User", backref=db.backref("topics", lazy=True))

        def to_dict(self):
            return {"id": self.id, "author": self.author.username}
"""
#: Only ``table=True`` classes are tables; the others are the API's schemas.
_SQLMODEL_MODELS = """
    from sqlmodel import Field, Relationship, SQLModel

    class TeamBase(SQLModel):
        name: str

    class Team(TeamBase, table=True):
        id: int | None = Field(default=None, primary_key=True)
        heroes: list["Hero"] = Relationship(back_populates="team")

    class Hero(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        team_id: int | None = Field(default=None, foreign_key="team.id")
        team: Team | None = Relationship(back_populates="heroes")
        powers: list["Power"] = Relationship(sa_relationship_kwargs={"lazy": "selectin"})

    class Power(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        hero_id: int = Field(foreign_key="hero.id")

    class PowerPublic(SQLModel):
        id: int

    class HeroPublicWithTeam(SQLModel):
        id: int
        team: TeamBase | None = None
        powers: list[PowerPublic] = []
"""


class NPlusOneRelation(ProjectRule):
    """
    ## What it does
    Finds a lazily loaded relation read once per row of a multi-row query: a
    foreign key, one-to-one, many-to-many or reverse relation of a Django model, or a
    SQLAlchemy `relationship()` with the default `lazy="select"` (or `dynamic` /
    `write_only`, which query on every access). Rows are followed wherever they are
    consumed: `for` and `async for` loops, comprehensions, `map()`, model methods and
    helpers that a row or the whole result is handed to (two calls deep), DRF
    serializers (`many=True`, list views, `get_serializer_class()`, nested serializers,
    `source=`, `SerializerMethodField`, `serializer_related_field`,
    `build_relational_field()`), Django admin `list_display` callables (with a
    `get_queryset()` that calls `super()`), FastAPI `response_model=list[...]` schemas
    (fields filled from a model `@property` included), and Django and Jinja templates:
    `{% for b in books %}{{ b.author.name }}{% endfor %}` is reported at the view's
    query, with the template's lines as related locations (templates are read from
    `templates/` and `jinja2/` folders, never rendered). The related rows of an object
    handed to a function (`for line in order.lines.all()`) are judged with the caller's
    loads, or with none when no caller is known. Queries are followed through
    assignments, helpers that take a query and return it filtered (`qs =
    apply_filters(qs)`), function and method returns, custom manager and queryset
    methods, class methods, tree libraries' `get_children()`, `get_queryset()`,
    `apps.get_model()` in data migrations, and modules. SQLAlchemy `association_proxy`
    attributes are read through the relation they proxy; an unannotated
    `relationship()` is a collection when the foreign key is on the other side.
    Tests and scripts are not reported; migrations are, as notes.

    A `select_related`, `prefetch_related`, `Prefetch`, `prefetch_related_objects`,
    `list_select_related`, `fetch_mode(FETCH_PEERS)`, loader option or eager `lazy=`
    strategy covering the path silences it. When the loaded paths cannot be known
    (computed lookups), or a serializer overrides `to_representation()`, the
    confidence is low.

    ## Why is this bad?
    Each row pays its own round trip: listing 100 books with their authors runs 101
    queries. It looks fine on a laptop with ten rows and falls over in production,
    and neither tests nor code review see it. In async SQLAlchemy the lazy load does
    not even run: it raises `MissingGreenlet`.

    ## Example
    ```python
    def book_list(request):
        books = Book.objects.filter(published=True)
        return JsonResponse({"books": [
            {"title": b.title, "author": b.author.name} for b in books
        ]})
    ```

    ## Use instead
    ```python
    def book_list(request):
        books = Book.objects.filter(published=True).select_related("author")
        ...
    ```
    Use `select_related` for single-valued relations, `prefetch_related` (or a
    `Prefetch` with its own `select_related`) for collections; in SQLAlchemy,
    `joinedload` for many-to-one and `selectinload` for collections.

    ## References
    - https://docs.djangoproject.com/en/stable/ref/models/querysets/#select-related
    - https://docs.djangoproject.com/en/stable/ref/models/querysets/#prefetch-related
    - https://docs.sqlalchemy.org/en/20/orm/queryguide/relationships.html
    - https://www.django-rest-framework.org/api-guide/relations/
    """

    meta = RuleMeta(
        id="AG301",
        name="n-plus-one-relation",
        category=Category.N_PLUS_ONE,
        severity=Severity.WARNING,
        confidence=Confidence.HIGH,
        summary="A lazily loaded relation is read for every row of a query: one extra query per row.",
        tags=frozenset({"performance", "database"}),
    )

    VALID = (
        Valid(
            files={
                "shop/models.py": _MODELS,
                "shop/views.py": """
                from django.http import JsonResponse
                from shop.models import Book

                def book_list(request):
                    books = Book.objects.select_related("author").prefetch_related("tags")
                    return JsonResponse({"books": [
                        {"title": b.title, "author": b.author.name,
                         "tags": [t.name for t in b.tags.all()]} for b in books
                    ]})
            """,
            },
            label="the fixed twin: both relations loaded with the query",
        ),
        Valid(
            files={
                "shop/models.py": _MODELS,
                "shop/views.py": """
                from django.db.models import prefetch_related_objects
                from django.http import JsonResponse
                from shop.models import Book

                def book_list(request):
                    books = list(Book.objects.select_related("author")[:50])
                    prefetch_related_objects(books, "tags")
                    return JsonResponse({"books": list(map(
                        lambda b: {"author": b.author.name, "tags": [t.name for t in b.tags.all()]},
                        books,
                    ))})
            """,
            },
            label="prefetch_related_objects on rows already fetched; map() over them",
        ),
        Valid(
            files={
                "shop/models.py": _MODELS,
                "shop/render.py": """
                from shop.models import Book

                def render_books(books):
                    return [{"title": b.title, "author": b.author.name} for b in books]
            """,
                "shop/views.py": """
                from django.http import JsonResponse
                from shop.models import Book
                from shop.render import render_books

                def book_list(request):
                    books = Book.objects.select_related("author").order_by("title")[:50]
                    return JsonResponse({"books": render_books(books)})
            """,
            },
            label="the rows handed to a helper that loops over them, with the author loaded",
        ),
        Valid(
            files={
                "shop/models.py": _MODELS,
                "shop/views.py": """
                from django.db import models
                from django.http import JsonResponse
                from shop.models import Book

                def book_list(request):
                    books = Book.objects.fetch_mode(models.FETCH_PEERS)[:50]
                    return JsonResponse({"authors": [b.author.name for b in books]})
            """,
            },
            label="Django 6.1 fetch_mode(FETCH_PEERS): the first access loads the relation for every row",
        ),
        Valid(
            files={
                "heroes/models.py": _SQLMODEL_MODELS,
                "heroes/routes.py": """
                from fastapi import APIRouter
                from sqlalchemy.orm import selectinload
                from sqlmodel import Session, select
                from heroes.models import Hero, HeroPublicWithTeam

                router = APIRouter()

                @router.get("/heroes", response_model=list[HeroPublicWithTeam])
                def heroes(session: Session, limit: int = 100):
                    return session.exec(select(Hero).options(selectinload(Hero.team)).limit(limit)).all()
            """,
            },
            label="SQLModel: the team loaded with the heroes; powers are declared selectin",
        ),
        Valid(
            files={
                "blog/models.py": _SA_MODELS,
                "blog/api.py": """
                from sqlalchemy import select
                from sqlalchemy.orm import Session, joinedload
                from blog.models import Post

                def titles(session: Session):
                    posts = session.scalars(select(Post).options(joinedload(Post.author))).all()
                    return [(p.id, p.author.name, p.author_id) for p in posts]
            """,
            }
        ),
        Valid(
            files={
                "shop/models.py": _MODELS,
                "shop/admin.py": """
                from django.contrib import admin
                from shop.models import Book

                @admin.register(Book)
                class BookAdmin(admin.ModelAdmin):
                    list_display = ("title", "author_name")

                    def get_queryset(self, request):
                        return super().get_queryset(request).select_related("author")

                    def author_name(self, obj):
                        return obj.author.name
            """,
            },
            label="the fixed twin: get_queryset() adds the author to its super()'s changelist rows",
        ),
        Valid(
            files={
                "shop/models.py": _MODELS,
                "shop/migrations/0008_backfill_author_names.py": """
                from django.db import migrations

                def forwards(apps, schema_editor):
                    Book = apps.get_model("shop", "Book")
                    for book in Book.objects.select_related("author").iterator():
                        book.author_name = book.author.name

                class Migration(migrations.Migration):
                    operations = [migrations.RunPython(forwards)]
            """,
            },
            label="the fixed twin: a data migration's historical model, its author loaded",
        ),
        Valid(
            files={
                "shop/models.py": """
                from django.db import models

                class Author(models.Model):
                    name = models.CharField(max_length=100)

                class BookQuerySet(models.QuerySet):
                    def published(self):
                        return self.filter(published=True).select_related("author")

                class Book(models.Model):
                    author = models.ForeignKey(Author, on_delete=models.CASCADE)
                    published = models.BooleanField(default=False)
                    objects = BookQuerySet.as_manager()
            """,
                "shop/views.py": """
                from shop.models import Book

                def authors():
                    return [b.author.name for b in Book.objects.published()[:50]]
            """,
            },
            label="the fixed twin: the project's queryset method loads the author itself",
        ),
        Valid(
            files={
                "shop/models.py": _MODELS,
                "shop/tests/test_views.py": """
                from shop.models import Book

                def test_authors_are_listed(client):
                    for book in Book.objects.all():
                        assert book.author.name in client.get("/books/").content.decode()
            """,
            },
            label="a test: its queries cost a test run, not a request",
        ),
        Valid(
            files={
                "shop/models.py": """
                from django.db import models

                class Document(models.Model):
                    title = models.CharField(max_length=200)
                    root = models.ForeignKey("self", null=True, on_delete=models.CASCADE)
            """,
                "shop/views.py": """
                from shop.models import Document

                def roots():
                    return [(d.title, d.root) for d in Document.objects.filter(root__isnull=True)[:50]]
            """,
            },
            label="rows filtered on a null foreign key: Django reads it as None without a query",
        ),
        Valid(
            files={
                "shop/models.py": _MODELS,
                "shop/api.py": """
                from rest_framework import generics, serializers
                from shop.models import Author, Book

                class AuthorField(serializers.PrimaryKeyRelatedField):
                    def get_queryset(self):
                        return Author.objects.all()

                class BookSerializer(serializers.ModelSerializer):
                    author = AuthorField()

                    class Meta:
                        model = Book
                        fields = ["id", "title", "author"]

                class BookList(generics.ListAPIView):
                    queryset = Book.objects.order_by("title")
                    serializer_class = BookSerializer
            """,
            },
            label="a PrimaryKeyRelatedField subclass renders author_id: no query",
        ),
        Valid(
            files={
                "blog/models.py": _SA_MODELS,
                "blog/api.py": """
                from sqlalchemy import select
                from sqlalchemy.orm import Session, joinedload
                from blog.models import Post, User

                def bylines(session: Session):
                    query = select(Post).options(joinedload(Post.author).load_only(User.name))
                    return [p.author.name for p in session.scalars(query.limit(50))]
            """,
            },
            label="joinedload(...).load_only(...): a static loader chain, the author is loaded",
        ),
        Valid(
            files={
                "blog/models.py": _SA_MODELS,
                "blog/repository.py": """
                from sqlalchemy import select
                from sqlalchemy.orm import Session
                from blog.models import Post

                def recent_posts(session: Session, limit: int) -> list[Post]:
                    return list(session.scalars(select(Post).limit(limit)))
            """,
            },
            label="a helper annotated -> list[Post] hands rows to its caller; nothing serializes them",
        ),
        Valid(
            files={
                "shop/models.py": _MODELS,
                "shop/views.py": """
                from django.shortcuts import render
                from shop.models import Book

                def book_list(request):
                    books = Book.objects.select_related("author").prefetch_related("tags")[:50]
                    return render(request, "shop/book_list.html", {"books": books})
            """,
                "shop/templates/shop/book_list.html": """
                {% for b in books %}
                  <li>{{ b.title }} by {{ b.author.name }}
                  {% for t in b.tags.all %}<span>{{ t.name }}</span>{% endfor %}</li>
                {% endfor %}
            """,
            },
            label="the fixed twin: the template's relations are loaded with the view's query",
        ),
        Valid(
            files={
                "shop/models.py": _MODELS,
                "shop/render.py": """
                def author_names(author):
                    return [book.title for book in author.books.all()]
            """,
                "shop/views.py": """
                from django.http import JsonResponse
                from shop.models import Author
                from shop.render import author_names

                def author(request, pk):
                    found = Author.objects.prefetch_related("books").get(pk=pk)
                    return JsonResponse({"titles": author_names(found)})
            """,
            },
            label="a helper looping over a parameter's related rows, handed an object that prefetched them",
        ),
        Valid(
            files={
                "shop/models.py": _MODELS,
                "shop/filters.py": """
                def with_author(books):
                    return books.select_related("author")
            """,
                "shop/views.py": """
                from django.http import JsonResponse
                from shop.filters import with_author
                from shop.models import Book

                def book_list(request):
                    books = Book.objects.filter(title__icontains=request.GET.get("q", ""))
                    books = with_author(books)
                    return JsonResponse({"authors": [b.author.name for b in books[:50]]})
            """,
            },
            label="the fixed twin: a helper adds select_related() to the query handed to it",
        ),
        Valid(
            files={
                "shop/models.py": _MODELS,
                "shop/services.py": """
                from django.db.models import Prefetch
                from shop.models import Author, Book

                def catalogue():
                    books = Prefetch("books", queryset=Book.objects.order_by("title").prefetch_related("tags"))
                    authors = Author.objects.prefetch_related(books)
                    return {a.name: [b.tags.count() for b in a.books.all()] for a in authors}
            """,
            },
            label="the fixed twin: a Prefetch object bound to a name, its rows read with .all()",
        ),
        Valid(
            files={
                "shop/models.py": _MODELS,
                "shop/views.py": """
                from django.http import JsonResponse
                from shop.models import Author

                def author(request, pk):
                    found = Author.objects.get(pk=pk)
                    return JsonResponse({"books": [(b.title, b.author.name) for b in found.books.order_by("title")]})
            """,
            },
            label="a book read through author.books points back at that author: Django attaches it",
        ),
        Valid(
            files={
                "shop/models.py": _MODELS,
                "shop/views.py": """
                from django.views.generic import ListView
                from shop.models import Book

                class BookList(ListView):
                    model = Book
                    context_object_name = "books"
                    paginate_by = 25

                    def get_queryset(self):
                        return super().get_queryset().select_related()
            """,
                "shop/templates/shop/book_list.html": """
                {% for b in books %}{{ b.title }} by {{ b.author.name }}{% endfor %}
            """,
            },
            label="a ListView's super().get_queryset() with select_related(): the author is not nullable, so loaded",
        ),
        Valid(
            files={
                "shop/models.py": _MODELS,
                "shop/views.py": """
                from django.http import JsonResponse
                from shop.models import Author

                def shelf(request, pk):
                    author = Author.objects.get(pk=pk)
                    books = author.books.prefetch_related("tags")
                    return JsonResponse({b.title: [t.name for t in b.tags.all()] for b in books})
            """,
            },
            label="the related query loads what its rows read: the tags of each book",
        ),
    )
    INVALID = (
        Invalid(
            files={
                "shop/models.py": _MODELS,
                "shop/views.py": """
                from django.http import JsonResponse
                from shop.models import Book

                def book_list(request):
                    books = Book.objects.filter(title__icontains=request.GET.get("q", ""))
                    return JsonResponse({"books": [
                        {"title": b.title, "author": b.author.name,
                         "tags": [t.name for t in b.tags.all()]} for b in books
                    ]})
            """,
            },
            path="shop/views.py",
            line=(7, 8),
            message="loaded lazily for every row",
        ),
        Invalid(
            files={
                "shop/models.py": _MODELS,
                "shop/views.py": """
                from django.http import JsonResponse
                from shop.models import Book

                def book_list(request):
                    books = Book.objects.order_by("title")[:50]
                    return JsonResponse({"authors": list(map(lambda b: b.author.name, books))})
            """,
            },
            path="shop/views.py",
            line=6,
            message="Book.author is loaded lazily",
        ),
        Invalid(
            files={
                "blog/models.py": _SA_MODELS,
                "blog/api.py": """
                from sqlalchemy import select
                from sqlalchemy.orm import Session
                from blog.models import Post

                def titles(session: Session):
                    posts = session.scalars(select(Post).join(Post.author)).all()
                    return [(p.id, p.author.name) for p in posts]
            """,
            },
            path="blog/api.py",
            line=7,
            message="joinedload(Post.author)",
        ),
        Invalid(
            files={
                "shop/models.py": _MODELS,
                "shop/render.py": """
                from shop.models import Book

                def render_books(books):
                    return [{"title": b.title, "author": b.author.name} for b in books]
            """,
                "shop/views.py": """
                from django.http import JsonResponse
                from shop.models import Book
                from shop.render import render_books

                def book_list(request):
                    books = Book.objects.order_by("title")[:50]
                    return JsonResponse({"books": render_books(books)})
            """,
            },
            path="shop/views.py",
            line=7,
            message="(through render_books())",
        ),
        Invalid(
            files={
                "app/models.py": """
                from sqlalchemy import ForeignKey
                from sqlalchemy.ext.associationproxy import association_proxy
                from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

                class Base(DeclarativeBase):
                    pass

                class Keyword(Base):
                    __tablename__ = "keywords"
                    id: Mapped[int] = mapped_column(primary_key=True)
                    word: Mapped[str]

                class UserKeyword(Base):
                    __tablename__ = "user_keywords"
                    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
                    keyword_id: Mapped[int] = mapped_column(ForeignKey("keywords.id"), primary_key=True)
                    keyword: Mapped[Keyword] = relationship(lazy="joined")

                class User(Base):
                    __tablename__ = "users"
                    id: Mapped[int] = mapped_column(primary_key=True)
                    keyword_links: Mapped[list[UserKeyword]] = relationship()
                    keywords = association_proxy("keyword_links", "keyword")
            """,
                "app/api.py": """
                from sqlalchemy import select
                from app.models import User

                def tag_cloud(session):
                    users = session.scalars(select(User).limit(100)).all()
                    return {u.id: [k.word for k in u.keywords] for u in users}
            """,
            },
            path="app/api.py",
            line=6,
            message="User.keyword_links is loaded lazily",
        ),
        Invalid(
            files={
                "forum/extensions.py": """
                from flask_sqlalchemy import SQLAlchemy

                db = SQLAlchemy()
            """,
                "forum/models.py": _FLASK_MODELS,
                "forum/views.py": """
                from flask import Blueprint, jsonify
                from forum.models import Topic

                bp = Blueprint("forum", __name__)

                @bp.get("/topics")
                def topics():
                    page = Topic.query.order_by(Topic.id.desc()).paginate(per_page=20)
                    return jsonify([t.to_dict() for t in page.items])
            """,
            },
            path="forum/views.py",
            line=9,
            message="Topic.author is loaded lazily for every row of "
            "`page.items` (through Topic.to_dict())",
        ),
        Invalid(
            files={
                "heroes/models.py": _SQLMODEL_MODELS,
                "heroes/routes.py": """
                from fastapi import APIRouter
                from sqlmodel import Session, select
                from heroes.models import Hero, HeroPublicWithTeam

                router = APIRouter()

                @router.get("/heroes", response_model=list[HeroPublicWithTeam])
                def heroes(session: Session, limit: int = 100):
                    return session.exec(select(Hero).limit(limit)).all()
            """,
            },
            path="heroes/routes.py",
            line=9,
            message="Hero.team is loaded lazily for every row",
        ),
        Invalid(
            files={
                "shop/models.py": _MODELS,
                "shop/admin.py": """
                from django.contrib import admin
                from shop.models import Book

                @admin.register(Book)
                class BookAdmin(admin.ModelAdmin):
                    list_display = ("title", "author_name")

                    def get_queryset(self, request):
                        return super().get_queryset(request).filter(title__gt="")

                    def author_name(self, obj):
                        return obj.author.name
            """,
            },
            path="shop/admin.py",
            line=6,
            message="(through list_display 'author_name')",
        ),
        Invalid(
            files={
                "shop/models.py": _MODELS,
                "shop/migrations/0008_backfill_author_names.py": """
                from django.db import migrations

                def forwards(apps, schema_editor):
                    Book = apps.get_model("shop.Book")
                    for book in Book.objects.iterator():
                        book.author_name = book.author.name

                class Migration(migrations.Migration):
                    operations = [migrations.RunPython(forwards)]
            """,
            },
            path="shop/migrations/0008_backfill_author_names.py",
            line=6,
            message='Add .select_related("author")',
        ),
        Invalid(
            files={
                "shop/models.py": """
                from django.db import models

                class Author(models.Model):
                    name = models.CharField(max_length=100)

                class BookQuerySet(models.QuerySet):
                    def published(self):
                        return self.filter(published=True)

                class Book(models.Model):
                    author = models.ForeignKey(Author, on_delete=models.CASCADE)
                    published = models.BooleanField(default=False)
                    objects = BookQuerySet.as_manager()
            """,
                "shop/views.py": """
                from shop.models import Book

                def authors():
                    return [b.author.name for b in Book.objects.published()[:50]]
            """,
            },
            path="shop/views.py",
            line=4,
            message="Book.author is loaded lazily",
        ),
        Invalid(
            files={
                "catalog/models.py": """
                from django.db import models
                from treebeard.mp_tree import MP_Node

                class Category(MP_Node):
                    name = models.CharField(max_length=100)
                    owner = models.ForeignKey("auth.User", on_delete=models.CASCADE)
            """,
                "catalog/views.py": """
                from django.http import JsonResponse
                from catalog.models import Category

                def menu(request, pk):
                    node = Category.objects.get(pk=pk)
                    return JsonResponse({"children": [c.owner.username for c in node.get_children()]})
            """,
            },
            path="catalog/views.py",
            line=6,
            message="every row of `node.get_children()`",
        ),
        Invalid(
            files={
                "forum/extensions.py": """
                from flask_sqlalchemy import SQLAlchemy

                db = SQLAlchemy()
            """,
                "forum/models.py": """
                from forum.extensions import db

                class User(db.Model):
                    id = db.Column(db.Integer, primary_key=True)
                    history = db.relationship("Login")

                class Login(db.Model):
                    id = db.Column(db.Integer, primary_key=True)
                    user_id = db.Column(db.Integer, db.ForeignKey("user.id"))
            """,
                "forum/views.py": """
                from forum.models import User

                def last_logins():
                    return {u.id: [h.id for h in u.history] for u in User.query.limit(50).all()}
            """,
            },
            path="forum/views.py",
            line=4,
            message="selectinload(User.history)",
        ),
        Invalid(
            files={
                "shop/models.py": _MODELS,
                "shop/views.py": """
                from django.shortcuts import render
                from shop.models import Book

                def book_list(request):
                    books = Book.objects.filter(title__icontains=request.GET.get("q", ""))
                    return render(request, "shop/book_list.html", {"books": books})
            """,
                "shop/templates/shop/book_list.html": """
                {% for b in books %}
                  <li>{{ b.title }} by {{ b.author.name|upper }}
                  {% for t in b.tags.all %}<span>{{ t.name }}</span>{% endfor %}</li>
                {% endfor %}
            """,
            },
            path="shop/views.py",
            line=5,
            message="(in the template shop/templates/shop/book_list.html, line",
        ),
        Invalid(
            files={
                "forum/extensions.py": """
                from flask_sqlalchemy import SQLAlchemy

                db = SQLAlchemy()
            """,
                "forum/models.py": _FLASK_MODELS,
                "forum/views.py": """
                from flask import Blueprint, render_template
                from forum.models import Topic

                bp = Blueprint("forum", __name__)

                @bp.get("/topics")
                def topics():
                    page = Topic.query.order_by(Topic.id.desc()).paginate(per_page=20)
                    return render_template("forum/topics.html", page=page)
            """,
                "forum/templates/forum/topics.html": """
                {% for topic in page.items %}
                  <a href="/t/{{ topic.id }}">{{ topic.author.username }}</a>
                {% endfor %}
            """,
            },
            path="forum/views.py",
            line=8,
            message="Topic.author is loaded lazily",
        ),
        Invalid(
            files={
                "shop/models.py": _MODELS,
                "shop/render.py": """
                def author_names(author):
                    return [(book.title, [t.name for t in book.tags.all()]) for book in author.books.all()]
            """,
            },
            path="shop/render.py",
            line=2,
            message="Book.tags is loaded lazily for every row of `author.books.all()`",
        ),
        Invalid(
            files={
                "shop/models.py": _MODELS,
                "shop/filters.py": """
                def narrow(books, query):
                    return books.filter(title__icontains=query) if query else books
            """,
                "shop/views.py": """
                from django.http import JsonResponse
                from shop.filters import narrow
                from shop.models import Book

                def book_list(request):
                    books = Book.objects.all()
                    books = narrow(books, request.GET.get("q"))
                    return JsonResponse({"authors": [b.author.name for b in books[:50]]})
            """,
            },
            path="shop/views.py",
            line=8,
            message="Book.author is loaded lazily",
        ),
        Invalid(
            files={
                "shop/models.py": _MODELS,
                "shop/serializers.py": """
                from rest_framework import serializers
                from shop.models import *  # noqa: F403

                class AuthorSerializer(serializers.ModelSerializer):
                    class Meta:
                        model = Author
                        fields = ["name"]

                class BookSerializer(serializers.ModelSerializer):
                    class Meta:
                        model = Book
                        fields = ["id", "title", "author"]

                    def build_relational_field(self, field_name, relation_info):
                        return AuthorSerializer, {}
            """,
                "shop/views.py": """
                from rest_framework import generics
                from shop import serializers
                from shop.models import Book

                class BookList(generics.ListAPIView):
                    queryset = Book.objects.order_by("title")
                    serializer_class = serializers.BookSerializer
            """,
            },
            path="shop/views.py",
            line=7,
            message="Book.author is loaded lazily",
        ),
        Invalid(
            files={
                "blog/models.py": """
                from sqlalchemy import ForeignKey
                from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

                class Base(DeclarativeBase):
                    pass

                class User(Base):
                    __tablename__ = "users"
                    id: Mapped[int] = mapped_column(primary_key=True)
                    name: Mapped[str]

                class Post(Base):
                    __tablename__ = "posts"
                    id: Mapped[int] = mapped_column(primary_key=True)
                    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
                    author: Mapped[User] = relationship()

                    @property
                    def byline(self) -> str:
                        return self.author.name
            """,
                "blog/schemas.py": """
                from pydantic import BaseModel, ConfigDict

                class PostOut(BaseModel):
                    model_config = ConfigDict(from_attributes=True)
                    id: int
                    byline: str
            """,
                "blog/api.py": """
                from fastapi import APIRouter, Depends
                from sqlalchemy import select
                from sqlalchemy.orm import Session
                from blog.db import get_db
                from blog.models import Post
                from blog.schemas import PostOut

                router = APIRouter()

                @router.get("/posts", response_model=list[PostOut])
                def posts(db: Session = Depends(get_db), limit: int = 20):
                    return db.scalars(select(Post).limit(limit)).all()
            """,
            },
            path="blog/api.py",
            line=12,
            message="Post.author is loaded lazily",
        ),
        Invalid(
            files={
                "shop/models.py": _MODELS,
                "shop/services.py": """
                from django.db.models import Prefetch
                from shop.models import Author, Book

                def catalogue():
                    books = Prefetch("books", queryset=Book.objects.select_related("author"))
                    authors = Author.objects.prefetch_related(books)
                    return {a.name: [b.tags.count() for b in a.books.order_by("title")] for a in authors}
            """,
            },
            path="shop/services.py",
            line=7,
            message="every row of `a.books.order_by('title')`",
        ),
        Invalid(
            files={
                "users/models.py": """
                from django.contrib.auth.models import AbstractUser
                from django.db import models

                class User(AbstractUser):
                    is_creator = models.BooleanField(default=False)

                class Onboarding(models.Model):
                    user = models.OneToOneField("users.User", on_delete=models.CASCADE, related_name="onboarding")
                    approved = models.BooleanField(default=False)
            """,
                "users/admin.py": """
                from django.contrib import admin
                from django.contrib.auth import get_user_model

                User = get_user_model()

                class Creator(User):
                    class Meta:
                        proxy = True

                @admin.register(Creator)
                class CreatorAdmin(admin.ModelAdmin):
                    list_display = ["username", "is_approved"]

                    def get_queryset(self, request):
                        return super().get_queryset(request).filter(is_creator=True)

                    def is_approved(self, user):
                        return user.onboarding.approved
            """,
            },
            path="users/admin.py",
            line=12,
            message="Creator.onboarding is loaded lazily",
        ),
    )

    def check(self, project: Project) -> Iterable[Finding]:
        return placed(project, self._check(project), PER_ROW)

    def _check(self, project: Project) -> Iterator[Finding]:
        analysis = orm_analysis(project)
        seen: set[tuple[str, str, str, int, str]] = set()
        for problem in analysis.of_kind("relation", "dynamic"):
            site = problem.site
            # A template's loop is one finding at the query, whichever views share both.
            owner = f"@{site.line}" if site.template else site.function
            key = (site.module, owner, site.template, site.loop_line, problem.path)
            if key in seen:
                continue
            seen.add(key)
            yield self._finding(project, problem)

    def _finding(self, project: Project, problem: Problem) -> Finding:
        registry = orm_analysis(project).registry
        query = problem.query
        site = problem.site
        relation = problem.relation
        many = relation is not None and relation.many
        target = dotted(query, problem.path)
        via = f" (through {site.via})" if site.via else ""
        if site.template:
            via = f" (in the template {site.template}, line {site.template_line})"
        origin = query.origin.text or f"{query.model.name} rows"
        severity = self.meta.severity
        confidence = Confidence.MEDIUM if query.indirect or site.via else Confidence.HIGH
        if problem.kind == "dynamic":
            message = (
                f"{target} is a lazy={relation.lazy if relation else 'dynamic'} relationship read for "
                f"every row of `{origin}`{via}: each access runs a new query and cannot be "
                'eager-loaded. Declare it lazy="selectin" (or query the children once, grouped '
                "by parent id)."
            )
            fix = ""
        else:
            fix = load_fix(registry, query, problem.path)
            cost = "a query per row" if not many else "a query per row for the collection"
            message = f"{target} is loaded lazily for every row of `{origin}`{via}: {cost}. Add {fix} to the query."
            if problem.below:
                inner = [p[len(problem.path) + 2 :].replace("__", ".") for p in problem.below]
                shown = ", ".join(inner[:5]) + (
                    f" and {len(inner) - 5} more" if len(inner) > 5 else ""
                )
                message += (
                    f" Its nested serializer also reads {shown} from each of them: load those in "
                    f'the same prefetch (Prefetch("{problem.path}", queryset=...) with its own '
                    "select_related / prefetch_related)."
                )
            last = problem.path.rsplit("__", 1)[-1]
            if any(j == last for j in query.origin.joins):
                message += (
                    " `.join()` only filters on the relation; it does not load it "
                    "(use contains_eager() to load from the join)."
                )
            if query.model.orm == "sqlalchemy" and site.is_async:
                severity = Severity.ERROR
                message += (
                    " In async code this lazy load raises MissingGreenlet instead of querying."
                )
        if site.custom:
            confidence = Confidence.LOW
            message += (
                " The serializer overrides to_representation(), so this field may not be rendered."
            )
        if query.dynamic:
            confidence = Confidence.LOW
            severity = Severity.NOTE
            message += " The query's loaded paths are computed at run time, so this may already be covered."
        return self.report(
            at(project, site.module, site.line, site.column),
            message,
            key=(
                f"{site.template}:{site.loop_line}:{problem.path}"
                if site.template
                else f"{site.function}:{site.loop_line}:{problem.path}:{site.via}"
            ),
            severity=severity,
            confidence=confidence,
            related=problem_related(project, problem),
            fix=fix,
        )
