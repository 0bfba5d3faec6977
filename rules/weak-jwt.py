import os
from datetime import datetime, timedelta, timezone

import jwt
from authlib.jose import jwt as authlib_jwt
from fastapi import Depends, HTTPException
from flask import Flask
from flask_jwt_extended import create_access_token, create_refresh_token
from jose import jwt as jose_jwt

from app.config import settings

UNVERIFIED = {"verify_signature": False}
CHECK_AUDIENCE_LATER = {"verify_aud": False}
NO_ALGORITHM = "none"
# ruleid: jwt-short-hmac-key
SHORT_KEY = "jwt-dev-key"
# ok: jwt-short-hmac-key
LONG_KEY = "kJ8s0v9QeWm2Zr7TbY4xN1pLc6HdFgAu3oEiRtVy"
# ruleid: jwt-short-hmac-key
FALLBACK_KEY = os.getenv("JWT_SECRET", "secret")
# ok: jwt-short-hmac-key
REQUIRED_KEY = os.environ["JWT_SECRET"]

app = Flask(__name__)
# ruleid: jwt-without-expiry
app.config["JWT_ACCESS_TOKEN_EXPIRES"] = False
# ok: jwt-without-expiry
app.config["JWT_REFRESH_TOKEN_EXPIRES"] = timedelta(days=7)
# ruleid: jwt-short-hmac-key
app.config["JWT_SECRET_KEY"] = "super-secret"
# ok: jwt-expiry-not-verified
app.config["JWT_VERIFY_EXPIRATION"] = True
# ruleid: jwt-expiry-not-verified
app.config.update(JWT_VERIFY_EXPIRATION=False)


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


def decode_with_module_options(token):
    # ruleid: jwt-verification-disabled
    return jwt.decode(token, settings.SECRET_KEY, algorithms=["HS256"], options=UNVERIFIED)


def decode_with_local_options(token):
    options = {"verify_aud": False}
    options["verify_signature"] = False
    # ruleid: jwt-verification-disabled
    return jwt.decode(token, settings.SECRET_KEY, algorithms=["HS256"], options=options)


def decode_pyjwt1_positional(token):
    # ruleid: jwt-verification-disabled
    return jwt.decode(token, settings.SECRET_KEY, False)


def decode_constant_none(token):
    # ruleid: jwt-none-algorithm
    return jwt.decode(token, settings.SECRET_KEY, algorithms=[NO_ALGORITHM])


def decode_algorithm_of_the_token(token):
    header = jwt.get_unverified_header(token)
    # ruleid: jwt-algorithm-from-token
    return jwt.decode(token, settings.SECRET_KEY, algorithms=[header["alg"]])


def decode_algorithm_through_name(token, headers):
    alg = headers.get("alg")
    # ruleid: jwt-algorithm-from-token
    return jose_jwt.decode(token, settings.SECRET_KEY, algorithms=alg)


def decode_without_expiry_check(token):
    # ruleid: jwt-expiry-not-verified
    return jwt.decode(token, settings.SECRET_KEY, algorithms=["HS256"], options={"verify_exp": False})


def issue_dict_call(user):
    claims = dict(sub=str(user.id), scope="read")
    # ruleid: jwt-without-expiry
    return jose_jwt.encode(claims, settings.SECRET_KEY, algorithm="HS256")


def issue_authlib_unsigned(user):
    # ruleid: jwt-none-algorithm
    return authlib_jwt.encode({"alg": "none"}, {"sub": user.id, "exp": 1}, settings.SECRET_KEY)


def issue_forever_flask(user):
    # ruleid: jwt-without-expiry
    return create_access_token(identity=user.id, expires_delta=False)


def issue_short_constant(user, expires):
    return jwt.encode({"sub": user.id, "exp": expires}, SHORT_KEY, algorithm="HS256")


def decode_short_constant(token):
    return jwt.decode(token, SHORT_KEY, algorithms=["HS256"])


def issue_fallback_key(user, expires):
    return jwt.encode({"sub": user.id, "exp": expires}, FALLBACK_KEY, algorithm="HS256")


# --- correct use stays silent ---


def decode_options_without_switches(token):
    # ok: jwt-verification-disabled
    return jwt.decode(token, settings.SECRET_KEY, algorithms=["HS256"], options=CHECK_AUDIENCE_LATER)


def decode_requires_expiry(token):
    # ok: jwt-expiry-not-verified
    return jwt.decode(token, settings.SECRET_KEY, algorithms=["HS256"], options={"require": ["exp"]})


def decode_key_by_kid(token, keys):
    kid = jwt.get_unverified_header(token)["kid"]
    # ok: jwt-algorithm-from-token
    return jwt.decode(token, keys[kid], algorithms=["RS256"])


def issue_dict_call_with_expiry(user, expires):
    claims = dict(sub=str(user.id), exp=expires)
    # ok: jwt-without-expiry
    return jose_jwt.encode(claims, settings.SECRET_KEY, algorithm="HS256")


def issue_payload_of_caller(payload: dict):
    # ok: jwt-without-expiry
    return jwt.encode(payload, settings.SECRET_KEY, algorithm="HS256")


def issue_refresh(user):
    # ok: jwt-without-expiry
    return create_refresh_token(identity=user.id, expires_delta=timedelta(days=30))


def issue_long_constant(user, expires):
    # ok: jwt-short-hmac-key
    return jwt.encode({"sub": user.id, "exp": expires}, LONG_KEY, algorithm="HS256")


def issue_required_key(user, expires):
    # ok: jwt-short-hmac-key
    return jwt.encode({"sub": user.id, "exp": expires}, REQUIRED_KEY, algorithm="HS256")


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
