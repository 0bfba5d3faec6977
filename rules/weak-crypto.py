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


# --- weak randomness through helpers, stores and bare names ---


def generate_api_key():
    # ruleid: predictable-random-secret
    return "".join(random.choice(string.ascii_letters + string.digits) for _ in range(32))


def create_client(user):
    # ok: predictable-random-secret (the helper above is the finding)
    user.api_key = generate_api_key()


def rand_str(n):
    return "".join(random.choice(string.ascii_letters) for _ in range(n))


def create_invite(invite):
    # ruleid: predictable-random-secret
    invite.token = rand_str(24)


def make_filename():
    # ok: predictable-random-secret
    upload_name = rand_str(12) + ".png"
    return upload_name


def signing_key():
    # ruleid: predictable-random-secret
    key = "".join(random.choices(string.hexdigits, k=64))
    return key


def pick_key(mapping):
    # ok: predictable-random-secret
    key = random.choice(list(mapping))
    return mapping[key]


def createSessionId():
    hash = random.getrandbits(128)
    # ruleid: predictable-random-secret
    return b"%032x" % hash


def remember_me(mysession, num):
    cookie = f"rememberMe{num}"
    value = str(random.random())[2:]
    # ruleid: predictable-random-secret
    mysession[cookie] = value


def remember_me_ok(mysession, num):
    cookie = f"rememberMe{num}"
    value = str(random.SystemRandom().getrandbits(64))
    # ok: predictable-random-secret
    mysession[cookie] = value


def set_theme(session):
    # ok: predictable-random-secret
    session["theme"] = random.choice(["light", "dark"])


def issue_session(response):
    number = random.randint(0, 2**64)
    # ruleid: predictable-random-secret
    response.set_cookie("session_id", str(number))


def ab_bucket(response):
    # ok: predictable-random-secret
    response.set_cookie("variant", random.choice(["a", "b"]))


def legacy_token():
    import uuid

    # ruleid: predictable-random-secret
    token = str(uuid.uuid1())
    return token


def shuffled_password():
    chars = list(string.ascii_letters + string.digits)
    random.shuffle(chars)
    # ruleid: predictable-random-secret
    temp_password = "".join(chars[:12])
    return temp_password


def shuffled_fixtures(rows):
    # ok: predictable-random-secret
    random.shuffle(rows)
    return rows


# --- weak hashes: how they are reached, and what they are for ---


def reset_token(username, seconds):
    to_hash = username + str(seconds)
    # ruleid: broken-hash-for-token
    resetToken = hashlib.sha1(to_hash.encode("utf-8")).hexdigest()
    return resetToken


def login_cookie(response, username):
    # ruleid: broken-hash-for-token
    response.set_cookie("sessionid", hashlib.sha1(username.encode("utf-8")).hexdigest())


def store_value(data):
    # ruleid: weak-hash
    digest = hashlib.new("md5")
    digest.update(data)
    return digest.digest()


def store_value_sha512(data):
    # ok: weak-hash
    digest = hashlib.new("sha512")
    digest.update(data)
    return digest.digest()


def hash_from_config(data):
    algorithm = settings.get("hash_algorithm", "sha1")
    # ruleid: weak-hash
    return hashlib.new(algorithm, data).hexdigest()


def pycryptodome_md5(data):
    from Crypto.Hash import MD5

    # ruleid: weak-hash
    return MD5.new(data).hexdigest()


def cryptography_sha1(data):
    from cryptography.hazmat.primitives import hashes

    # ruleid: weak-hash
    h = hashes.Hash(hashes.SHA1())
    h.update(data)
    return h.finalize()


def oaep_padding(public_key, message):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    # ok: weak-hash (SHA-1 in OAEP is not a collision risk)
    pad = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA1()), algorithm=hashes.SHA1(), label=None)
    return public_key.encrypt(message, pad)


def upload_checksum(upload):
    h = hashlib.md5()
    for chunk in upload.chunks():
        h.update(chunk)
    # ok: weak-hash
    return h.hexdigest()


def avatar_url(email):
    # ok: weak-hash
    digest = hashlib.md5(email.lower().encode()).hexdigest()
    return f"https://www.gravatar.com/avatar/{digest}"


# --- passwords hashed with fast hashes (the plaintext-password aspect is related) ---


def hash_password(password: str) -> str:
    # ruleid: password-fast-hash
    return hashlib.sha256(password.encode()).hexdigest()


def register_md5(form):
    # ruleid: password-fast-hash
    digest = hashlib.md5(form.password.encode("utf-8")).hexdigest()
    return digest


def check_login(request, user):
    # ruleid: password-fast-hash
    h = hashlib.sha512()
    # ok: password-fast-hash (the finding is at the hash constructor)
    h.update(request.form["password"].encode())
    # ruleid: password-fast-hash
    return hashlib.sha1(request.form["password"].encode()).hexdigest() == user.pw_digest or h


class PasswordHasher:
    def __init__(self, password):
        self.password = password

    def get_hashed_password(self):
        return self._make_hash(self.password)

    def _make_hash(self, string):
        # ruleid: password-fast-hash
        return hashlib.sha256(string).hexdigest()


def pbkdf2_password(password: str, salt: bytes) -> bytes:
    # ok: password-fast-hash
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 600_000)


def fingerprint(email):
    # ok: password-fast-hash
    return hashlib.sha256(email.lower().encode()).hexdigest()


def token_digest(token):
    # ok: password-fast-hash
    return hashlib.sha256(token.encode()).hexdigest()


# --- ciphers, keys, TLS ---


def legacy_3des(key, data):
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    # ruleid: weak-cipher
    return Cipher(algorithms.TripleDES(key), modes.CBC(secrets.token_bytes(8))).encryptor().update(data)


def zero_iv(key, data):
    # ruleid: static-iv-or-nonce
    cipher = AES.new(key, AES.MODE_CBC, iv=bytes(16))
    return cipher.encrypt(data)


def gcm_fixed_nonce(key, data):
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    # ruleid: static-iv-or-nonce
    return AESGCM(key).encrypt(b"fixed-nonce!", data, None)


def small_rsa():
    from Crypto.PublicKey import RSA

    # ruleid: weak-key-size
    return RSA.generate(1024)


def rsa_ok():
    from Crypto.PublicKey import RSA

    # ok: weak-key-size
    return RSA.generate(3072)


def unverified_context():
    # ruleid: tls-verification-disabled
    return ssl._create_unverified_context()


def no_cert_check(ctx):
    # ruleid: tls-verification-disabled
    ctx.verify_mode = ssl.CERT_NONE


def no_hostname_check(ctx):
    # ruleid: tls-verification-disabled
    ctx.check_hostname = False


def aiohttp_no_ssl(session, url):
    # ruleid: tls-verification-disabled
    return session.get(url, ssl=False)


def old_protocol():
    # ruleid: weak-tls-protocol
    return ssl.SSLContext(ssl.PROTOCOL_TLSv1)


def weak_suites(ctx):
    # ruleid: weak-tls-protocol
    ctx.set_ciphers("ECDHE-RSA-AES256-GCM-SHA384:RC4-SHA:DES-CBC3-SHA")


def strong_suites(ctx):
    # ok: weak-tls-protocol
    ctx.set_ciphers("ECDHE+AESGCM:!aNULL:!MD5:!RC4:!3DES")


# --- unkeyed hashes as signatures ---


def login_cookie_signed_badly(response, user):
    import json

    payload = json.dumps({"user": user.id, "admin": user.is_admin})
    # ruleid: unkeyed-hash-signature
    digest = hashlib.sha256(payload.encode()).hexdigest()
    response.set_cookie("session", f"{payload}.{digest}")


def check_cookie_badly(request):
    payload, digest = request.cookies.get("session", ".").rsplit(".", 1)
    # ruleid: unkeyed-hash-signature
    return hashlib.sha256(payload.encode()).hexdigest() == digest


def check_cookie_hmac(request):
    payload, digest = request.cookies.get("session", ".").rsplit(".", 1)
    # ok: unkeyed-hash-signature
    expected = hmac.new(settings.SECRET_KEY, payload.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, digest)


def etag_matches(request, body):
    # ok: unkeyed-hash-signature
    return hashlib.sha256(body).hexdigest() == request.headers.get("If-None-Match")


def session_from_token(response):
    raw = secrets.token_urlsafe(32)
    # ok: unkeyed-hash-signature
    response.set_cookie("session", hashlib.sha256(raw.encode()).hexdigest())
