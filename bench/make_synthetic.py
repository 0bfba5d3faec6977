"""Writes a deterministic synthetic backend (about 1,000 modules) for benchmarks.

    python bench/make_synthetic.py DIR [--apps 40]

Each app package has models, schemas, repositories, services, routes and tests, with
imports between layers and a few planted secrets, so that every code path of a scan is
exercised: the cheap ast path for most files and the libcst path for the rest.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

MODEL = """from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import relationship

from {pkg}.db import Base


class {Name}(Base):
    __tablename__ = "{name}s"
    id = Column(Integer, primary_key=True)
    title = Column(String(200), nullable=False)
    owner_id = Column(Integer, ForeignKey("users.id"))
    owner = relationship("User")
{extra}
"""
SERVICE = """from {pkg}.apps.{app}.repository import {Name}Repository
from {pkg}.apps.{app}.schemas import {Name}Create


class {Name}Service:
    def __init__(self, repo: {Name}Repository) -> None:
        self.repo = repo

    def create(self, data: {Name}Create):
        if not data.title.strip():
            raise ValueError("title is required")
        total = sum(len(part) for part in data.title.split())
        return self.repo.add(title=data.title, weight=total * {n})

    def list_for(self, owner_id: int, limit: int = 50):
        return [item for item in self.repo.by_owner(owner_id)[:limit] if item.title]
"""
REPO = """from sqlalchemy.orm import Session

from {pkg}.apps.{app}.models import {Name}


class {Name}Repository:
    def __init__(self, db: Session) -> None:
        self.db = db

    def add(self, **fields):
        item = {Name}(**fields)
        self.db.add(item)
        self.db.commit()
        return item

    def by_owner(self, owner_id: int):
        return self.db.query({Name}).filter({Name}.owner_id == owner_id).all()
"""
ROUTES = """from fastapi import APIRouter, Depends

from {pkg}.apps.{app}.schemas import {Name}Create, {Name}Out
from {pkg}.apps.{app}.service import {Name}Service
from {pkg}.deps import get_service

router = APIRouter(prefix="/{name}s", tags=["{name}"])


@router.post("/", response_model={Name}Out)
def create_{name}(data: {Name}Create, service: {Name}Service = Depends(get_service)):
    return service.create(data)


@router.get("/", response_model=list[{Name}Out])
def list_{name}s(owner_id: int, service: {Name}Service = Depends(get_service)):
    return service.list_for(owner_id)
"""
SCHEMAS = """from pydantic import BaseModel


class {Name}Create(BaseModel):
    title: str


class {Name}Out(BaseModel):
    id: int
    title: str
"""
TEST = """from {pkg}.apps.{app}.service import {Name}Service


def test_create_{name}(fake_repo):
    service = {Name}Service(fake_repo)
    assert service.create(type("D", (), {{"title": "x y"}})()) is not None
"""
HELPER = """def helper_{i}(values: list[int]) -> int:
    total = 0
    for value in values:
        if value % {m} == 0:
            total += value
    return total
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("target", type=Path)
    parser.add_argument("--apps", type=int, default=40)
    args = parser.parse_args()
    rng = random.Random(1234)
    pkg = "backend"
    (args.target / "pyproject.toml").parent.mkdir(parents=True, exist_ok=True)
    (args.target / "pyproject.toml").write_text(
        '[project]\nname = "backend"\nversion = "0"\n\n[tool.archguard]\n'
    )
    files = {
        f"{pkg}/__init__.py": "",
        f"{pkg}/db.py": "from sqlalchemy.orm import DeclarativeBase\n\n\n"
        "class Base(DeclarativeBase):\n    pass\n",
        f"{pkg}/deps.py": "def get_service():\n    raise NotImplementedError\n",
        f"{pkg}/settings.py": 'import os\n\nSECRET_KEY = os.environ.get("SECRET_KEY", "")\n'
        'STRIPE_API_KEY = "rk_prod_9fK2mQ7xL4pV8nB3tY6w"\n',
        f"{pkg}/apps/__init__.py": "",
    }
    for a in range(args.apps):
        app = f"app{a:03d}"
        name = f"item{a}"
        names = {"pkg": pkg, "app": app, "name": name, "Name": name.capitalize(), "n": a + 1}
        extra = f'    api_key = "k3y-{rng.getrandbits(32):08x}-live"\n' if a % 10 == 0 else ""
        base = f"{pkg}/apps/{app}"
        files[f"{base}/__init__.py"] = ""
        files[f"{base}/models.py"] = MODEL.format(**names, extra=extra)
        files[f"{base}/schemas.py"] = SCHEMAS.format(**names)
        files[f"{base}/repository.py"] = REPO.format(**names)
        files[f"{base}/service.py"] = SERVICE.format(**names)
        files[f"{base}/routes.py"] = ROUTES.format(**names)
        files[f"{base}/tests/__init__.py"] = ""
        files[f"{base}/tests/test_service.py"] = TEST.format(**names)
        for h in range(17):
            files[f"{base}/helpers/h{h:02d}.py"] = HELPER.format(i=h, m=rng.randint(2, 9))
        files[f"{base}/helpers/__init__.py"] = ""
    for rel, text in sorted(files.items()):
        path = args.target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"wrote {len(files)} files under {args.target}")


if __name__ == "__main__":
    main()
