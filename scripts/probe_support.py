"""What the hand-run probes in scripts/ share: a WebSocket client that speaks to parley, tokens
minted with any lifetime, and a throwaway `parley serve` with a known key.

Standard library only, so a probe runs on a fresh machine with nothing but python3.
"""
import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

ACCOUNT = "AC" + "1" * 32
KEY = "SK" + "2" * 32
SECRET = "probe-secret-0123456789abcdef"
SERVICE = "IS" + "3" * 32


class Ws:
    """The least WebSocket client that speaks to parley: masked text frames out, messages in."""

    def __init__(self, port, rcvbuf=None):
        self.sock = socket.socket()
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.connect(("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                           "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
                          .encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise RuntimeError(head.decode(errors="replace"))

    def send(self, obj):
        data = json.dumps(obj).encode()
        mask = os.urandom(4)
        size = len(data)
        header = bytes([0x81])
        if size < 126:
            header += bytes([0x80 | size])
        elif size < 65536:
            header += bytes([0x80 | 126]) + struct.pack("!H", size)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", size)
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _exact(self, count):
        out = bytearray()
        while len(out) < count:
            chunk = self.sock.recv(count - len(out))
            if not chunk:
                raise EOFError
            out += chunk
        return bytes(out)

    def recv(self):
        """The next message as JSON, or ("close", code) at the close frame."""
        message = bytearray()
        while True:
            first, second = self._exact(2)
            size = second & 0x7F
            if size == 126:
                size = struct.unpack("!H", self._exact(2))[0]
            elif size == 127:
                size = struct.unpack("!Q", self._exact(8))[0]
            payload = self._exact(size)
            opcode = first & 0x0F
            if opcode == 8:
                return ("close", struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None)
            if opcode in (9, 10):
                continue  # ping, pong
            message += payload
            if first & 0x80:
                return json.loads(message)


def mint(identity, ttl_seconds, iat=None):
    """A Twilio-style access token with a chat grant, signed here (HS256) so its lifetime may be
    shorter than `parley token mint` allows: a probe of expiry needs a token that ends in seconds."""
    iat = int(time.time()) if iat is None else iat

    def part(obj):
        raw = json.dumps(obj, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    header = part({"alg": "HS256", "typ": "JWT", "cty": "twilio-fpa;v=1"})
    payload = part({"jti": f"{KEY}-{iat}-{os.urandom(4).hex()}", "iss": KEY, "sub": ACCOUNT,
                    "iat": iat, "exp": iat + ttl_seconds,
                    "grants": {"identity": identity, "chat": {"service_sid": SERVICE}}})
    signature = hmac.new(SECRET.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()


class Server:
    """`parley serve` on a free loopback port and a throwaway data directory, with the probe key."""

    def __init__(self, parley, extra=()):
        self.data = tempfile.mkdtemp(prefix="parley-probe-")
        self.process = subprocess.Popen(
            [parley, "serve", "--listen", "127.0.0.1:0", "--data", self.data, "--account-sid",
             ACCOUNT, "--api-key", KEY, "--api-secret", SECRET, *extra],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.port = None
        for line in self.process.stdout:
            found = re.search(r"ws://[^:]+:(\d+)/v1/ws", line)
            if found:
                self.port = int(found.group(1))
                break
        if self.port is None:
            self.stop()
            sys.exit("the server did not start")
        # Drained so the server never blocks on a full pipe.
        threading.Thread(target=lambda: [None for _ in self.process.stdout], daemon=True).start()

    @property
    def pid(self):
        return self.process.pid

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.data, ignore_errors=True)
