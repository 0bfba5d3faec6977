"""Realistic trees for the hostile-input tests: a small FastAPI backend whose auth
dependency is written in Python 3.14 syntax, and modules that stretch the parser."""

from __future__ import annotations

MAIN = """\
from fastapi import FastAPI

from app.api import orders, reports

app = FastAPI(title="shop")
app.include_router(orders.router)
app.include_router(reports.router)
"""

#: PEP 758 (Python 3.14): ``except A, B:`` without parentheses.
DEPS = """\
import jwt
from fastapi import Depends, HTTPException
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from app.db import SessionLocal
from app.settings import JWT_KEY

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token")


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


def get_current_user(token: str = Depends(oauth2_scheme), db: Session = Depends(get_db)):
    try:
        payload = jwt.decode(token, JWT_KEY, algorithms=["HS256"])
    except jwt.ExpiredSignatureError, jwt.InvalidTokenError:
        raise HTTPException(status_code=401, detail="invalid token")
    return db.get(User, payload["sub"])
"""

DB = """\
import os

from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine)
"""

SETTINGS = 'import os\n\nJWT_KEY = os.environ["JWT_KEY"]\n'

MODELS = """\
from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Order(Base):
    __tablename__ = "orders"
    id = Column(Integer, primary_key=True)
    owner_id = Column(Integer, ForeignKey("users.id"))
    status = Column(String)
"""


def orders_module(filters: int = 3) -> str:
    """Order routes guarded by ``get_current_user``; the search chains ``filters``
    ``.filter()`` calls (generated query builders do)."""
    chain = "".join(f"\n        .filter(Order.status != 'state{i}')" for i in range(filters))
    return f"""\
from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from app.deps import get_current_user, get_db
from app.models import Order

router = APIRouter(prefix="/orders", dependencies=[Depends(get_current_user)])


@router.get("/{{order_id}}")
def read_order(order_id: int, db: Session = Depends(get_db)):
    return db.get(Order, order_id)


@router.get("/search")
def search_orders(db: Session = Depends(get_db)):
    return (
        db.query(Order){chain}
        .limit(50)
        .all()
    )
"""


def reports_module(terms: int = 3, parts: int = 3) -> str:
    """Report routes with no guard at all, beside a ``terms``-operand sum (generated
    weight tables look like this) and a ``parts``-part string concatenation."""
    total = " + ".join(f"w{i}" for i in range(terms))
    weights = "\n".join(f"w{i} = {i}" for i in range(terms))
    text = " + ".join(f"'col{i}, '" for i in range(parts))
    return f"""\
from fastapi import APIRouter, Depends
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.deps import get_db

router = APIRouter(prefix="/reports")

{weights}
TOTAL_WEIGHT = {total}
COLUMNS = {text}


@router.get("/sales")
def sales_report(db: Session = Depends(get_db)):
    return db.execute(text("SELECT " + COLUMNS + "1 FROM orders")).all()


@router.delete("/sales/{{report_id}}")
def delete_report(report_id: int, db: Session = Depends(get_db)):
    db.execute(text("DELETE FROM reports WHERE id = :id"), {{"id": report_id}})
    db.commit()
"""


def shop(**sizes: int) -> dict[str, str]:
    """The backend's files, with its long chains as long as asked."""
    return {
        "app/__init__.py": "",
        "app/main.py": MAIN,
        "app/deps.py": DEPS,
        "app/db.py": DB,
        "app/settings.py": SETTINGS,
        "app/models.py": MODELS,
        "app/api/__init__.py": "",
        "app/api/orders.py": orders_module(sizes.get("filters", 3)),
        "app/api/reports.py": reports_module(sizes.get("terms", 3), sizes.get("parts", 3)),
    }
