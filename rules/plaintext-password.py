import hashlib

from django.contrib.auth.hashers import check_password, make_password
from flask import request
from werkzeug.security import check_password_hash, generate_password_hash

from app.db import db
from app.models import Account, User


def register_flask():
    data = request.get_json()
    # ruleid: password-stored-unhashed
    user = User(email=data["email"], password=data["password"])
    db.session.add(user)
    db.session.commit()


def register_fastapi(user_in, session):
    # ruleid: password-stored-unhashed
    user = User(email=user_in.email, hashed_password=user_in.password)
    session.add(user)


def change_password(user, form):
    # ruleid: password-stored-unhashed
    user.password = form.new_password.data
    user.save()


def django_signup(request):
    # ruleid: password-stored-unhashed
    Account.objects.create(username=request.POST["username"], password=request.POST["password"])


def login(email, password):
    user = User.query.filter_by(email=email).first()
    # ruleid: password-compared-plainly
    if user is None or user.password != password:
        return None
    return user


def login_db(session, payload):
    account = session.query(Account).filter_by(name=payload.username).one()
    # ruleid: password-compared-plainly
    return payload.password == account.password


# A fast hash of a password is weak-crypto's finding (with this rule's aspect as related
# information): rules/weak-crypto.py holds these two as must-fire examples.


def hash_password(password: str) -> str:
    # ok: password-fast-hash
    return hashlib.sha256(password.encode()).hexdigest()


def register_md5(form):
    # ok: password-fast-hash
    digest = hashlib.md5(form.password.encode("utf-8")).hexdigest()
    return digest


# --- hashed and verified properly: silent ---


def register_ok():
    data = request.get_json()
    # ok: password-stored-unhashed
    user = User(email=data["email"], password=generate_password_hash(data["password"]))
    db.session.add(user)


def change_password_django(user, form):
    # ok: password-stored-unhashed
    user.password = make_password(form.cleaned_data["password"])


def social_user():
    # ok: password-stored-unhashed
    return User(email="bot@example.com", password=None)


def login_ok(email, password):
    user = User.query.filter_by(email=email).first()
    # ok: password-compared-plainly
    if user is None or not check_password_hash(user.password, password):
        return None
    return user


def signup_form_check(form):
    # ok: password-compared-plainly
    if form.password != form.password_confirm:
        raise ValueError("passwords do not match")


def has_password(user):
    # ok: password-compared-plainly
    return user.password != ""


def fingerprint(email):
    # ok: password-fast-hash
    return hashlib.sha256(email.lower().encode()).hexdigest()


def register_hashed(user_in, session):
    hashed_password = get_password_hash(user_in.password)
    # ok: password-stored-unhashed
    user = User(email=user_in.email, hashed_password=hashed_password)
    session.add(user)


def login_client(client):
    # ok: password-stored-unhashed
    return client.login(username="bob", password=settings.TEST_PASSWORD)


def build_signup(form):
    # ok: password-stored-unhashed
    return UserCreate(email=form.email, password=form.password)


# --- SQL, document stores, lookups ---


def create_user_sql(db, username, password):
    # ruleid: password-stored-unhashed
    db.execute("INSERT INTO users (username, password) VALUES (?, ?)", (username, password))


def update_password_sql(db, username, password):
    # ruleid: password-stored-unhashed
    db.execute("update users set Password=? where username=?", [password, username])


def create_user_sql_ok(db, username, password):
    hashed = generate_password_hash(password)
    # ok: password-stored-unhashed
    db.execute("INSERT INTO users (username, password) VALUES (?, ?)", (username, hashed))


def login_sql(db, username, password):
    # ruleid: password-compared-plainly
    cur = db.execute("SELECT * FROM users WHERE username=? AND password=?", (username, password))
    return cur.fetchone()


def login_row(sqli):
    values = sqli.getUser(request.form["username"])
    # ruleid: password-compared-plainly
    if values and values[0][2] == request.form["password"]:
        return True
    return False


def passwords_match():
    # ok: password-compared-plainly
    return request.form["password"] == request.form["repassword"]


def login_lookup():
    # ruleid: password-compared-plainly
    user = User.query.filter_by(username=request.form["username"], password=request.form["password"]).first()
    return user


def login_lookup_ok():
    # ok: password-compared-plainly
    user = User.query.filter_by(username=request.form["username"]).first()
    return user and check_password_hash(user.password, request.form["password"])


def register_mongo(users):
    data = request.get_json()
    # ruleid: password-stored-unhashed
    users.insert_one({"username": data["username"], "password": data["password"]})


def register_mongo_ok(users):
    data = request.get_json()
    # ok: password-stored-unhashed
    users.insert_one({"username": data["username"], "password": generate_password_hash(data["password"])})


def register_in_memory(fake_users_db):
    payload = request.get_json()
    # ruleid: password-stored-unhashed
    fake_users_db[payload["username"]] = {"username": payload["username"], "hashed_password": payload["password"]}


def reset_django(request):
    # ruleid: password-stored-unhashed
    Account.objects.filter(email=request.POST["email"]).update(password=request.POST["password"])


def row_login(conn, username, password):
    user = conn.execute("SELECT * FROM users WHERE username = ?", (username,)).fetchone()
    # ruleid: password-compared-plainly
    return user is not None and user["password"] == password


def copy_credentials(account, existing_account):
    # ok: password-stored-unhashed
    account.password = existing_account.password


def smtp_options(options):
    # ok: password-stored-unhashed
    options.password = settings.SMTP_PASSWORD


class SignupForm:
    def __init__(self, username, password):
        # ok: password-stored-unhashed
        self.password = password


def ldap_sentinel(user):
    # ok: password-compared-plainly
    return user.password == "LDAP"


def authenticate(username, password):
    from werkzeug.security import safe_str_cmp

    user = username_table.get(username, None)
    # ruleid: password-compared-plainly
    if user and safe_str_cmp(user.password.encode("utf-8"), password.encode("utf-8")):
        return user
    return None
