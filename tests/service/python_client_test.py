#!/usr/bin/env python3
"""The Python client against a real doppeld: ingest, get, errors, dedupe, and CURVE."""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

try:
    import msgpack  # noqa: F401
    import zmq  # noqa: F401
except ImportError as e:
    print(f"skipped: {e} (install python3-zmq and python3-msgpack)")
    sys.exit(77)

from doppel_client import Client, DoppelError


def main():
    tmp = tempfile.mkdtemp(prefix="doppel_py_")
    endpoint_file = os.path.join(tmp, "endpoint")
    server = subprocess.Popen([os.environ["DOPPELD"], "--db", os.path.join(tmp, "db"),
                               "--listen", "tcp://127.0.0.1:*", "--endpoint-file", endpoint_file],
                              stderr=subprocess.PIPE)
    try:
        for _ in range(500):
            if os.path.exists(endpoint_file):
                break
            time.sleep(0.02)
        endpoint = open(endpoint_file).read().strip()
        with Client(endpoint, timeout_ms=10000) as c:
            assert c.health()["status"] == "ok"
            reply = c.ingest([
                {"id": "py-1", "ФИО": "Иванов Иван Иванович", "Телефон": "8 (912) 345-67-89"},
                {"id": "py-2", "ФИО": "Ivanov Ivan", "Телефон": "+7 912 345 67 89", "E-mail": "ivan@gmail.com"},
                {"id": "py-3", "ФИО": "Петрова Анна", "Телефон": None},
            ], source="python-test")
            assert reply["actions"] == ["new", "joined", "new"], reply
            assert reply["entities"][0] == reply["entities"][1], reply
            entity = c.get_entity(reply["entities"][0])
            assert entity["members"] == ["py-1", "py-2"], entity
            assert entity["golden"]["phones"] == ["+79123456789"], entity
            assert entity["golden"]["from"]["phones"] == ["py-2"], entity
            assert entity["golden"]["from"]["name"] in ("py-1", "py-2"), entity
            record = c.get_record("py-2")
            assert record["source"] == "python-test", record
            assert record["normalized"]["emails"] == ["ivan@gmail.com"], record
            try:
                c.get_record("missing")
                raise AssertionError("expected not_found")
            except DoppelError as e:
                assert e.code == "not_found", e
            try:
                c.call("no_such_op")
                raise AssertionError("expected bad_request")
            except DoppelError as e:
                assert e.code == "bad_request", e
            clusters = c.dedupe([{"id": "x1", "email": "A@B.ru"}, {"id": "x2", "email": "a@b.ru"}])
            assert clusters["entity_ids"] == ["x1", "x1"], clusters
            assert c.stats()["db"]["records"] == 3
        print("python client: ok")
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)
        if code != 0:
            print(server.stderr.read().decode(), file=sys.stderr)
            sys.exit(f"doppeld exited with {code}")


def write_keys(path, public, secret=None):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(f"public={public.decode()}\n")
        if secret is not None:
            f.write(f"secret={secret.decode()}\n")


def curve():
    """A CURVE server: the client with a listed key gets answers, others none."""
    tmp = tempfile.mkdtemp(prefix="doppel_py_curve_")
    server_public, server_secret = zmq.curve_keypair()
    client_public, client_secret = zmq.curve_keypair()
    write_keys(os.path.join(tmp, "server.key"), server_public, server_secret)
    write_keys(os.path.join(tmp, "server.pub"), server_public)
    write_keys(os.path.join(tmp, "me.key"), client_public, client_secret)
    with open(os.path.join(tmp, "clients.list"), "w") as f:
        f.write(f"py-admin admin {client_public.decode()}\n")
    os.chmod(os.path.join(tmp, "clients.list"), 0o600)
    endpoint_file = os.path.join(tmp, "endpoint")
    server = subprocess.Popen([os.environ["DOPPELD"], "--db", os.path.join(tmp, "db"),
                               "--listen", "tcp://127.0.0.1:*", "--endpoint-file", endpoint_file,
                               "--curve-key", os.path.join(tmp, "server.key"),
                               "--clients", os.path.join(tmp, "clients.list")],
                              stderr=subprocess.PIPE)
    try:
        for _ in range(500):
            if os.path.exists(endpoint_file):
                break
            time.sleep(0.02)
        endpoint = open(endpoint_file).read().strip()
        with Client(endpoint, timeout_ms=10000, server_key=os.path.join(tmp, "server.pub"),
                    client_key=os.path.join(tmp, "me.key")) as c:
            assert c.health()["status"] == "ok"
        with Client(endpoint, timeout_ms=1000) as plain:
            try:
                plain.health()
                raise AssertionError("a client without keys got an answer")
            except DoppelError as e:
                assert e.code == "unavailable", e
        print("python client with CURVE: ok")
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)
        if code != 0:
            print(server.stderr.read().decode(), file=sys.stderr)
            sys.exit(f"doppeld exited with {code}")


if __name__ == "__main__":
    main()
    curve()
