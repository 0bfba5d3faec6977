import sqlite3

import pandas as pd
from django.db import connection
from django.db.models.expressions import RawSQL
from sqlalchemy import text

from app.models import Order, User

ALLOWED_COLUMNS = {"name", "created_at"}
TABLE = "users"


def search_users_sqlite(db: sqlite3.Connection, name: str):
    cur = db.cursor()
    # ruleid: sql-injection
    cur.execute(f"SELECT id, email FROM users WHERE name = '{name}'")
    return cur.fetchall()


def search_users_built_first(db, name, status):
    query = "SELECT id FROM users WHERE name = '%s'" % name
    query += " AND active = 1"
    cur = db.cursor()
    # ruleid: sql-injection
    cur.execute(query)
    return cur.fetchall()


def search_users_format(cursor, email):
    # ruleid: sql-injection
    cursor.execute("SELECT * FROM users WHERE email = '{}'".format(email))


def delete_order_concat(cursor, order_id):
    sql = "DELETE FROM orders WHERE id = " + order_id
    # ruleid: sql-injection
    cursor.execute(sql)


def bulk_mark(cursor, ids, flag):
    # ruleid: sql-injection
    cursor.executemany(f"UPDATE orders SET flag = {flag} WHERE id = %s", [(i,) for i in ids])


def sqlalchemy_text(session, username):
    # ruleid: sql-injection
    return session.execute(text(f"SELECT * FROM users WHERE username = '{username}'")).all()


def sqlalchemy_text_variable(conn, sort):
    stmt = f"SELECT * FROM products ORDER BY {sort}"
    # ruleid: sql-injection
    return conn.execute(text(stmt)).all()


def django_raw(request):
    term = request.GET["q"]
    # ruleid: sql-injection
    return list(User.objects.raw(f"SELECT * FROM auth_user WHERE username LIKE '%{term}%'"))


def django_cursor(request):
    with connection.cursor() as cursor:
        # ruleid: sql-injection
        cursor.execute("SELECT * FROM shop_order WHERE owner_id = %s" % request.GET["owner"])
        return cursor.fetchall()


def django_extra(request):
    # ruleid: sql-injection
    return Order.objects.extra(where=[f"status = '{request.GET['status']}'"])


def django_rawsql(min_total):
    # ruleid: sql-injection
    return Order.objects.annotate(big=RawSQL(f"total > {min_total}", []))


def report_frame(engine, region):
    # ruleid: sql-injection
    return pd.read_sql(f"SELECT * FROM sales WHERE region = '{region}'", engine)


# --- parameterized and constant queries stay silent ---


def search_users_param(db, name):
    cur = db.cursor()
    # ok: sql-injection
    cur.execute("SELECT id, email FROM users WHERE name = ?", (name,))
    return cur.fetchall()


def sqlalchemy_bound(session, username):
    # ok: sql-injection
    return session.execute(text("SELECT * FROM users WHERE username = :u"), {"u": username}).all()


def constant_table(cursor, user_id):
    # ok: sql-injection
    cursor.execute(f"SELECT * FROM {TABLE} WHERE id = %s", [user_id])


def in_clause(cursor, ids):
    placeholders = ", ".join(["%s"] * len(ids))
    # ok: sql-injection
    cursor.execute(f"SELECT * FROM orders WHERE id IN ({placeholders})", ids)


def limited(cursor, limit):
    # ok: sql-injection
    cursor.execute(f"SELECT * FROM orders ORDER BY id LIMIT {int(limit)}")


def django_raw_params(request):
    # ok: sql-injection
    return list(User.objects.raw("SELECT * FROM auth_user WHERE username = %s", [request.GET["q"]]))


def orm_query(session, user_id):
    # ok: sql-injection
    return session.execute(select(User).where(User.id == user_id)).scalar_one()


def log_message(logger, name):
    message = f"looked up {name}"
    # ok: sql-injection
    logger.info(message)
