"""A small Python client for doppeld (see docs/protocol.md).

Needs pyzmq and msgpack (Debian: python3-zmq, python3-msgpack).

    from doppel_client import Client
    with Client("tcp://127.0.0.1:5555") as c:
        print(c.health())
        reply = c.ingest([{"id": "1", "ФИО": "Иванов Иван", "Телефон": "89123456789"}])
        print(c.get_entity(reply["entities"][0]))

With CURVE (doppeld --curve-key ... --clients ...), pass the server's public
key and this client's key pair, as Z85 strings or as the files
`doppel keys generate` writes:

    Client(endpoint, server_key="keys/server.pub", client_key="keys/crm.key")
"""
import itertools

import msgpack
import zmq


def _read_key(value, want_secret):
    """A Z85 key, or the public (or secret) key from a .pub / .key file."""
    if value is None or (len(value) == 40 and "/" not in value and not value.endswith((".pub", ".key"))):
        return value
    field = "secret=" if want_secret else "public="
    with open(value, encoding="ascii") as f:
        for line in f:
            if line.startswith(field):
                return line.strip()[len(field):]
    raise ValueError(f"{value}: no {field} line")


class DoppelError(Exception):
    """An error reply: .code is bad_request, not_found, too_large, busy, unavailable, internal or forbidden."""

    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class Client:
    def __init__(self, endpoint="tcp://127.0.0.1:5555", timeout_ms=60000, context=None, server_key=None,
                 client_key=None):
        self.endpoint = endpoint
        self.timeout_ms = timeout_ms
        self._server_key = _read_key(server_key, want_secret=False)
        self._client_public = _read_key(client_key, want_secret=False) if client_key else None
        self._client_secret = _read_key(client_key, want_secret=True) if client_key else None
        if (self._server_key is None) != (client_key is None):
            raise ValueError("CURVE needs both server_key and client_key")
        self._ctx = context or zmq.Context.instance()
        self._ids = itertools.count(1)
        self._socket = None
        self._connect()

    def _connect(self):
        if self._socket is not None:
            self._socket.close(linger=0)
        self._socket = self._ctx.socket(zmq.DEALER)
        self._socket.setsockopt(zmq.LINGER, 0)
        if self._server_key:
            self._socket.curve_serverkey = self._server_key.encode("ascii")
            self._socket.curve_publickey = self._client_public.encode("ascii")
            self._socket.curve_secretkey = self._client_secret.encode("ascii")
        self._socket.connect(self.endpoint)

    def close(self):
        if self._socket is not None:
            self._socket.close(linger=0)
            self._socket = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def call(self, op, **args):
        """Sends one request and returns its result; raises DoppelError on an error reply."""
        request_id = next(self._ids)
        payload = msgpack.packb({"v": 1, "id": request_id, "op": op, "args": args}, use_bin_type=True)
        self._socket.send(payload)
        poller = zmq.Poller()
        poller.register(self._socket, zmq.POLLIN)
        while True:
            if not poller.poll(self.timeout_ms):
                self._connect()  # a late reply must not answer the next call
                raise DoppelError("unavailable", f"no reply from {self.endpoint} within {self.timeout_ms} ms")
            reply = msgpack.unpackb(self._socket.recv(), raw=False)
            if reply.get("id") != request_id:
                continue  # a reply to an earlier, abandoned call
            if reply.get("ok"):
                return reply["result"]
            err = reply.get("error", {})
            raise DoppelError(err.get("code", "internal"), err.get("message", ""))

    def health(self):
        return self.call("health")

    def stats(self):
        return self.call("stats")

    def get_record(self, record_id):
        return self.call("get_record", id=str(record_id))

    def get_entity(self, entity_id):
        return self.call("get_entity", id=int(entity_id))

    @staticmethod
    def _columnar(rows, columns=None):
        columns = columns or list(dict.fromkeys(k for row in rows for k in row))
        return columns, [[row.get(c) for row in rows] for c in columns]

    def ingest(self, rows, columns=None, map=None, source=""):
        """Stores rows (a list of dicts, column -> value); returns ids, entities, actions, rejects."""
        columns, data = self._columnar(rows, columns)
        return self.call("ingest", columns=columns, data=data, map=map or {}, source=source)

    def dedupe(self, rows, columns=None, map=None):
        """Clusters rows without storing them; returns ids and entity_ids."""
        columns, data = self._columnar(rows, columns)
        return self.call("dedupe", columns=columns, data=data, map=map or {})
