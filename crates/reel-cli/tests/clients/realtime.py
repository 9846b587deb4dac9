"""A Realtime-style WebSocket client in Python's standard library alone.

Usage: python3 realtime.py ws://127.0.0.1:PORT/v1/realtime INSTRUCTIONS

Talks a session the way OpenAI's Realtime clients do (session.update, an audio
append, response.create) and prints what the server sent, one line each:
`text PAYLOAD`, `binary HEX` or `close CODE REASON`. Written for reel's tests
of `reel serve`: a client in another language than the server, needing nothing
beyond python3 (no pip).
"""

import base64
import json
import os
import socket
import struct
import sys
from urllib.parse import urlsplit


def connect(url):
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    path = parts.path + ("?" + parts.query if parts.query else "")
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {parts.hostname}:{parts.port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Protocol: realtime\r\n\r\n"
    )
    sock.sendall(request.encode())
    buffer = b""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(4096)
        if not chunk:
            sys.exit("the server closed during the handshake")
        buffer += chunk
    head, rest = buffer.split(b"\r\n\r\n", 1)
    status = head.split(b"\r\n", 1)[0].decode()
    if " 101 " not in status + " ":
        sys.exit(f"handshake answered {status}")
    return sock, rest


def send(sock, opcode, payload):
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    sock.sendall(head + mask + masked)


class Reader:
    def __init__(self, sock, buffer):
        self.sock, self.buffer = sock, buffer

    def need(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            self.buffer += chunk

    def frame(self):
        """The next data or close frame: (opcode, payload); pings answered."""
        while True:
            self.need(2)
            first, second = self.buffer[0], self.buffer[1]
            length, at = second & 0x7F, 2
            if length == 126:
                self.need(4)
                length, at = struct.unpack("!H", self.buffer[2:4])[0], 4
            elif length == 127:
                self.need(10)
                length, at = struct.unpack("!Q", self.buffer[2:10])[0], 10
            self.need(at + length)
            payload = self.buffer[at : at + length]
            self.buffer = self.buffer[at + length :]
            opcode = first & 0x0F
            if opcode == 0x9:
                send(self.sock, 0xA, payload)
                continue
            if opcode == 0xA:
                continue
            return opcode, payload


def event(**fields):
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def main():
    url, instructions = sys.argv[1], sys.argv[2]
    sock, rest = connect(url)
    reader = Reader(sock, rest)
    seen = []

    def receive(count):
        for _ in range(count):
            opcode, payload = reader.frame()
            if opcode == 0x1:
                seen.append("text " + payload.decode())
            elif opcode == 0x2:
                seen.append("binary " + payload.hex())
            elif opcode == 0x8:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                seen.append(f"close {code} {payload[2:].decode()}")
                return False
        return True

    steps = [
        (1, event(type="session.update", session={"voice": "alloy"})),
        (1, event(type="input_audio_buffer.append", audio="AAECAwQFBgc=")),
        (0, event(type="response.create", response={"instructions": instructions})),
        (4, None),
    ]
    for count, message in steps:
        if not receive(count):
            break
        if message is not None:
            send(sock, 0x1, message)
    else:
        send(sock, 0x2, bytes(range(8)))
        receive(1)
        send(sock, 0x8, struct.pack("!H", 1000) + b"bye")
    print("\n".join(seen))


main()
