from datetime import datetime, timedelta, timezone

import jwt
from authlib.jose import jwt as authlib_jwt
from fastapi import Depends, HTTPException
from jose import jwt as jose_jwt

from app.config import settings


def current_user_unverified(token: str):
    # ruleid: jwt-verification-disabled
    payload = jwt.decode(token, settings.SECRET_KEY, options={"verify_signature": False})
    return payload["sub"]


def legacy_decode(token):
    # ruleid: jwt-verification-disabled
    return jwt.decode(token, settings.SECRET_KEY, verify=False)


def jose_unverified(token):
    # ruleid: jwt-verification-disabled
    return jose_jwt.decode(token, settings.SECRET_KEY, options={"verify_signature": False})


def decode_any_algorithm(token):
    # ruleid: jwt-decode-without-algorithms
    return jwt.decode(token, settings.SECRET_KEY)


def jose_decode_any_algorithm(token):
    # ruleid: jwt-decode-without-algorithms
    return jose_jwt.decode(token, settings.PUBLIC_KEY)


def decode_none(token):
    # ruleid: jwt-none-algorithm
    return jwt.decode(token, settings.SECRET_KEY, algorithms=["HS256", "none"])


def authlib_no_validate(token):
    # ruleid: authlib-claims-not-validated
    claims = authlib_jwt.decode(token, settings.PUBLIC_KEY)
    return claims["sub"]


def issue_forever(user):
    # ruleid: jwt-without-expiry
    return jwt.encode({"sub": str(user.id), "role": user.role}, settings.SECRET_KEY, algorithm="HS256")


def issue_forever_variable(user):
    payload = {"sub": str(user.id)}
    # ruleid: jwt-without-expiry
    return jwt.encode(payload, settings.SECRET_KEY, algorithm="HS256")


def issue_short_key(user):
    expires = datetime.now(timezone.utc) + timedelta(minutes=15)
    # ruleid: jwt-short-hmac-key
    return jwt.encode({"sub": str(user.id), "exp": expires}, "dev", algorithm="HS256")


# --- correct use stays silent ---


def current_user(token: str):
    try:
        # ok: jwt-decode-without-algorithms, jwt-verification-disabled
        payload = jwt.decode(token, settings.SECRET_KEY, algorithms=["HS256"])
    except jwt.PyJWTError:
        raise HTTPException(status_code=401)
    return payload["sub"]


def jose_current_user(token):
    # ok: jwt-decode-without-algorithms
    return jose_jwt.decode(token, settings.SECRET_KEY, algorithms=[settings.ALGORITHM])


def read_header_only(token):
    # ok: jwt-decode-without-algorithms
    return jwt.get_unverified_header(token)


def authlib_validated(token):
    # ok: authlib-claims-not-validated
    claims = authlib_jwt.decode(token, settings.PUBLIC_KEY)
    claims.validate()
    return claims["sub"]


def issue(user):
    expires = datetime.now(timezone.utc) + timedelta(minutes=15)
    # ok: jwt-without-expiry
    return jwt.encode({"sub": str(user.id), "exp": expires}, settings.SECRET_KEY, algorithm="HS256")


def issue_variable(user):
    payload = {"sub": str(user.id)}
    payload["exp"] = datetime.now(timezone.utc) + timedelta(minutes=15)
    # ok: jwt-without-expiry
    return jwt.encode(payload, settings.SECRET_KEY, algorithm="HS256")


def issue_built_with_exp(user, expires):
    to_encode = {"sub": user.email, "exp": expires}
    # ok: jwt-without-expiry
    return jwt.encode(to_encode, settings.SECRET_KEY, algorithm=settings.ALGORITHM)


def issue_updated(data: dict, expires):
    to_encode = data.copy()
    to_encode.update({"exp": expires})
    # ok: jwt-without-expiry
    return jwt.encode(to_encode, settings.SECRET_KEY, algorithm="HS256")


def decode_rs256(token):
    # ok: jwt-none-algorithm
    return jwt.decode(token, settings.PUBLIC_KEY, algorithms=["RS256"], audience="shop")


def issue_long_key(user, expires):
    # ok: jwt-short-hmac-key
    return jwt.encode({"sub": str(user.id), "exp": expires}, settings.JWT_SECRET, algorithm="HS256")
