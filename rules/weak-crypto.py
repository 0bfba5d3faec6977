import hashlib
import hmac
import random
import secrets
import ssl
import string

import httpx
import requests
from Crypto.Cipher import AES, DES
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from app.config import settings


def start_password_reset(user):
    # ruleid: predictable-random-secret
    user.reset_code = str(random.randint(100000, 999999))
    user.save()


def new_api_key():
    # ruleid: predictable-random-secret
    api_key = "".join(random.choice(string.ascii_letters + string.digits) for _ in range(40))
    return api_key


def send_otp(phone):
    # ruleid: predictable-random-secret
    otp = random.randrange(1000, 9999)
    sms.send(phone, f"Your code is {otp}")


def make_session_token(user):
    # ruleid: broken-hash-for-token
    token = hashlib.md5(f"{user.id}{user.email}".encode()).hexdigest()
    return token


def sign(payload: bytes):
    # ruleid: broken-hash-for-token
    signature = hmac.new(settings.WEBHOOK_KEY, payload, hashlib.sha1).hexdigest()
    return signature


def encrypt_legacy(key, data):
    # ruleid: weak-cipher
    cipher = DES.new(key, DES.MODE_CBC)
    return cipher.encrypt(data)


def encrypt_ecb(key, data):
    # ruleid: weak-cipher
    return AES.new(key, AES.MODE_ECB).encrypt(data)


def encrypt_static_iv(key, data):
    # ruleid: static-iv-or-nonce
    cipher = Cipher(algorithms.AES(key), modes.CBC(b"0000000000000000"))
    return cipher.encryptor().update(data)


def fetch_partner(url):
    # ruleid: tls-verification-disabled
    return requests.get(url, timeout=10, verify=False).json()


def partner_client():
    # ruleid: tls-verification-disabled
    return httpx.Client(base_url=settings.PARTNER_URL, verify=False)


# --- safe use stays silent ---


def start_password_reset_ok(user):
    # ok: predictable-random-secret
    user.reset_code = f"{secrets.randbelow(10**6):06d}"


def pick_shard(user_id):
    # ok: predictable-random-secret
    shard = random.choice(settings.SHARDS)
    return shard


def jitter_delay(attempt):
    # ok: predictable-random-secret
    delay = 2**attempt + random.uniform(0, 1)
    return delay


def sample_status_code():
    # ok: predictable-random-secret
    status_code = random.choice([200, 500])
    return status_code


def system_random_token():
    # ok: predictable-random-secret
    token = random.SystemRandom().choice(string.ascii_letters)
    return token


def etag(body: bytes):
    # ok: broken-hash-for-token
    etag = hashlib.md5(body, usedforsecurity=False).hexdigest()
    return etag


def cache_key_of(url):
    # ok: broken-hash-for-token
    cache_key = hashlib.sha1(url.encode()).hexdigest()
    return cache_key


def encrypt_ok(key, data):
    # ok: weak-cipher
    cipher = AES.new(key, AES.MODE_GCM)
    return cipher.encrypt_and_digest(data)


def encrypt_random_iv(key, data):
    iv = secrets.token_bytes(16)
    # ok: static-iv-or-nonce
    cipher = Cipher(algorithms.AES(key), modes.CBC(iv))
    return iv + cipher.encryptor().update(data)


def fetch_internal(url):
    # ok: tls-verification-disabled
    return requests.get(url, timeout=10, verify=settings.INTERNAL_CA_BUNDLE).json()
