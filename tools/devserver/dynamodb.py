"""The local DynamoDB: moto's server on loopback, the table made from template.yaml, a snapshot on disk.

moto keeps data in memory only, so the table is written to a JSON snapshot when `make dev` stops and
loaded again when it starts; `make dev-reset` deletes the snapshot.

moto runs behind `moto_guard`: only clients signing with this run's random access key id (the functions'
workers, the snapshot) are served, never a browser (see moto_guard.py for why).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config

from tools.devserver.children import spawn, stop
from tools.devserver.moto_guard import ACCESS_KEY_VARIABLE
from tools.devserver.ports import free_port

GUARD_SCRIPT = Path(__file__).with_name("moto_guard.py")
REGION = "us-east-1"


class LocalDynamoDB:
    def __init__(self, python: Path, snapshot: Path) -> None:
        # python: the dev venv's interpreter, which has moto.
        self.python = python
        self.snapshot = snapshot
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        # The guard serves only requests signed with this key id: a new one each run, never stored.
        self.access_key_id = "LOCAL" + secrets.token_hex(16).upper()
        self.process: subprocess.Popen[bytes] | None = None

    def client_environment(self) -> dict[str, str]:
        """What a boto3 client (a function's worker) needs in its environment to use this DynamoDB."""
        return {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": "local",  # moto checks no signature; the guard checks the key id
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ENDPOINT_URL": self.endpoint,
        }

    def start(self) -> None:
        # -P: the script's folder (server.py, runtime.py, ...) stays off sys.path, so nothing shadows moto's.
        argv = [str(self.python), "-P", str(GUARD_SCRIPT), str(self.port)]
        env = {**os.environ, ACCESS_KEY_VARIABLE: self.access_key_id}
        self.process = spawn(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.1)
        raise RuntimeError(f"moto server did not start on {self.endpoint}")

    def client(self) -> Any:
        env = self.client_environment()
        return boto3.client(
            "dynamodb",
            endpoint_url=env["AWS_ENDPOINT_URL"],
            region_name=env["AWS_REGION"],
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            # A local server either answers at once or is gone: fail fast rather than retry for seconds.
            config=Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=30),
        )

    def create_table(self, name: str, properties: dict[str, Any]) -> None:
        """Create the table from the template's own Properties (key schema, attributes, indexes)."""
        keys = (
            "KeySchema",
            "AttributeDefinitions",
            "BillingMode",
            "GlobalSecondaryIndexes",
            "LocalSecondaryIndexes",
        )
        self.client().create_table(TableName=name, **{k: properties[k] for k in keys if k in properties})

    def restore(self, name: str) -> int:
        """Load the snapshot into the table; returns how many items it held (0 when there is none)."""
        if not self.snapshot.exists():
            return 0
        items = json.loads(self.snapshot.read_text(), parse_float=Decimal)
        serializer = TypeSerializer()
        client = self.client()
        for item in items:
            client.put_item(TableName=name, Item={k: serializer.serialize(v) for k, v in item.items()})
        return len(items)

    def save(self, name: str) -> int:
        deserializer = TypeDeserializer()
        items: list[dict[str, Any]] = []
        for page in self.client().get_paginator("scan").paginate(TableName=name):
            items += [{k: deserializer.deserialize(v) for k, v in item.items()} for item in page["Items"]]
        self.snapshot.parent.mkdir(parents=True, exist_ok=True)
        self.snapshot.write_text(json.dumps(items, default=_json_default, indent=1))
        return len(items)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, set):
        return sorted(value)
    raise TypeError(type(value))
