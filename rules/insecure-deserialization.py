import json
import pickle
import shelve

import jsonpickle
import yaml
from fastapi import APIRouter, Request
from flask import Flask, request

app = Flask(__name__)
router = APIRouter()


@app.post("/cart/import")
def import_cart():
    # ruleid: unsafe-deserialization-of-request-data, unsafe-deserializer
    cart = pickle.loads(request.data)
    return save_cart(cart)


@router.post("/jobs")
async def submit_job(req: Request):
    raw = await req.body()
    # ruleid: unsafe-deserialization-of-request-data, unsafe-deserializer
    job = jsonpickle.decode(raw)
    return enqueue(job)


@app.post("/config")
def upload_config():
    # ruleid: unsafe-deserialization-of-request-data, unsafe-deserializer
    config = yaml.load(request.get_data(), Loader=yaml.Loader)
    return apply(config)


def consume(message):
    # ruleid: unsafe-deserialization-of-request-data, unsafe-deserializer
    event = pickle.loads(message.value)
    handle(event)


def load_model(path):
    with open(path, "rb") as fh:
        # ruleid: unsafe-deserializer
        return pickle.load(fh)


def cached_session(redis, key):
    # ruleid: unsafe-deserializer
    return pickle.loads(redis.get(key))


def legacy_store(path):
    # ruleid: unsafe-deserializer
    return shelve.open(path)


def read_settings(text):
    # ruleid: unsafe-deserializer
    return yaml.load(text)


# --- safe formats stay silent ---


@app.post("/cart/import/json")
def import_cart_json():
    # ok: unsafe-deserialization-of-request-data, unsafe-deserializer
    cart = json.loads(request.data)
    return save_cart(cart)


def read_settings_safe(text):
    # ok: unsafe-deserializer
    return yaml.safe_load(text)


def read_settings_loader(text):
    # ok: unsafe-deserializer
    return yaml.load(text, Loader=yaml.SafeLoader)


def export(obj):
    # ok: unsafe-deserializer
    return pickle.dumps(obj)
