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


def hash_password(password: str) -> str:
    # ruleid: password-fast-hash
    return hashlib.sha256(password.encode()).hexdigest()


def register_md5(form):
    # ruleid: password-fast-hash
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
