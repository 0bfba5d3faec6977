import urllib.request

import httpx
import requests

from app.config import settings


def charge(order):
    # ruleid: requests-without-timeout
    response = requests.post(settings.PAYMENTS_URL, json=order.as_payment())
    response.raise_for_status()
    return response.json()


def geocode(address):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {settings.MAPS_TOKEN}"
    # ruleid: requests-without-timeout
    return session.get(settings.MAPS_URL, params={"q": address}).json()


def fetch_rates():
    # ruleid: urlopen-without-timeout
    with urllib.request.urlopen(settings.RATES_URL) as response:
        return response.read()


def partner_client():
    # ruleid: timeout-disabled
    return httpx.Client(base_url=settings.PARTNER_URL, timeout=None)


# --- bounded calls stay silent ---


def charge_ok(order):
    # ok: requests-without-timeout
    response = requests.post(settings.PAYMENTS_URL, json=order.as_payment(), timeout=(3.05, 10))
    return response.json()


def forward(method, url, **kwargs):
    # ok: requests-without-timeout
    return requests.request(method, url, **kwargs)


def fetch_rates_ok():
    # ok: urlopen-without-timeout
    with urllib.request.urlopen(settings.RATES_URL, timeout=5) as response:
        return response.read()


async def fetch_profile(user_id):
    async with httpx.AsyncClient(base_url=settings.PROFILE_URL) as client:
        # ok: timeout-disabled
        response = await client.get(f"/users/{user_id}")
        return response.json()


def cache_lookup(cache, key):
    # ok: requests-without-timeout
    return cache.get(key)


# --- sessions in with blocks and attributes, switched-off timeouts ---


def sync_catalog(items):
    with requests.Session() as http:
        for item in items:
            # ruleid: requests-without-timeout
            http.put(f"{settings.CATALOG_URL}/{item.id}", json=item.as_dict())


class PaymentsClient:
    def __init__(self):
        self.http = requests.Session()

    def refund(self, charge_id):
        # ruleid: requests-without-timeout
        return self.http.post(f"{settings.PAYMENTS_URL}/refunds", json={"charge": charge_id})

    def status(self, charge_id):
        # ok: requests-without-timeout
        return self.http.get(f"{settings.PAYMENTS_URL}/charges/{charge_id}", timeout=5)


def unbounded(url):
    # ruleid: timeout-disabled
    return requests.get(url, timeout=None)


def fetch_rates_positional():
    # ok: urlopen-without-timeout
    with urllib.request.urlopen(settings.RATES_URL, None, 10) as response:
        return response.read()


async def fetch_forever(url):
    import aiohttp

    # ruleid: timeout-disabled
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None)) as session:
        return await session.get(url)


async def fetch_bounded_read(url):
    import aiohttp

    # ok: timeout-disabled
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None, sock_read=30)) as session:
        return await session.get(url)


def no_timeout_client():
    # ruleid: timeout-disabled
    return httpx.Client(timeout=httpx.Timeout(None))
