#!/usr/bin/env python3
"""A real SMTP server for tests and benchmarks (aiosmtpd): accepts mail and writes each message to
DIR/<sequence>.eml with its envelope recipient in an X-Envelope-To header.

  smtp_sink.py --port P --dir DIR [--reject ADDRESS]... [--delay-mail SECONDS] [--count-only]
               [--starttls] [--auth USER:PASSWORD]

--reject answers 550 to RCPT TO for that address (a permanent failure); --delay-mail waits before
answering MAIL FROM, so a client killed meanwhile has delivered nothing; while a file DIR/hold exists,
MAIL FROM is not answered at all, and DIR/holding says how many clients are waiting so (a test can
stop every sender at a known point of its dialogue); --count-only keeps no files,
only DIR/count (for benchmarks). --starttls offers and requires STARTTLS with a self-signed certificate
for 127.0.0.1 written to DIR/ca.pem (the client must trust it); --auth requires AUTH PLAIN or LOGIN
with those credentials, over TLS only. Each message records how it came in: X-Received-Over (TLS or
plain) and X-Authenticated-As. Prints "ready <port>" once listening.
"""
import argparse
import asyncio
import os
import signal
import ssl
import subprocess
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, directory, rejected, delay, count_only):
        self.directory = directory
        self.rejected = {address.lower() for address in rejected}
        self.delay = delay
        self.count_only = count_only
        self.sequence = 0
        self.holding = 0

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.delay:
            await asyncio.sleep(self.delay)
        if os.path.exists(os.path.join(self.directory, "hold")):
            self.set_holding(+1)
            while os.path.exists(os.path.join(self.directory, "hold")):
                await asyncio.sleep(0.02)
            self.set_holding(-1)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.rejected:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.sequence += 1
        if self.count_only:
            if self.sequence % 100 == 0:
                self.write_count()
            return "250 OK"
        content = envelope.original_content or envelope.content
        header = "".join(f"X-Envelope-To: {rcpt}\r\n" for rcpt in envelope.rcpt_tos)
        header += f"X-Received-Over: {'TLS' if session.ssl else 'plain'}\r\n"
        if session.authenticated:
            header += f"X-Authenticated-As: {session.auth_data.login.decode()}\r\n"
        header = header.encode()
        partial = os.path.join(self.directory, f".{self.sequence:06d}.partial")
        with open(partial, "wb") as file:
            file.write(header + content)
        os.rename(partial, os.path.join(self.directory, f"{self.sequence:06d}.eml"))
        return "250 OK"

    def set_holding(self, change):
        self.holding += change
        self.replace_file("holding", str(self.holding))

    def write_count(self):
        self.replace_file("count", str(self.sequence))

    def replace_file(self, name, text):
        """Readers see the old content or the new, never a half-written file."""
        partial = os.path.join(self.directory, f"{name}.partial")
        with open(partial, "w") as file:
            file.write(text)
        os.replace(partial, os.path.join(self.directory, name))


def self_signed_context(directory):
    """A server certificate for 127.0.0.1, made here so no key ever lives in the repository."""
    cert, key = os.path.join(directory, "ca.pem"), os.path.join(directory, "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", key, "-out", cert],
        check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def password_check(expected):
    login, password = (part.encode() for part in expected.split(":", 1))

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == login and auth_data.password == password
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    return authenticate


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--reject", action="append", default=[])
    parser.add_argument("--delay-mail", type=float, default=0)
    parser.add_argument("--count-only", action="store_true")
    parser.add_argument("--starttls", action="store_true")
    parser.add_argument("--auth")
    arguments = parser.parse_args()
    os.makedirs(arguments.dir, exist_ok=True)
    sink = Sink(arguments.dir, arguments.reject, arguments.delay_mail, arguments.count_only)
    security = {}
    if arguments.starttls:
        security.update(tls_context=self_signed_context(arguments.dir), require_starttls=True)
    if arguments.auth:
        security.update(authenticator=password_check(arguments.auth), auth_required=True, auth_require_tls=True)
    controller = Controller(sink, hostname="127.0.0.1", port=arguments.port, data_size_limit=10_000_000, **security)
    controller.start()
    print(f"ready {arguments.port}", flush=True)
    # A test that crashes must not leave its server holding the port: stop when the parent is gone.
    parent = os.getppid()

    def watch_parent():
        while os.getppid() == parent:
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch_parent, daemon=True).start()
    signal.sigwait([signal.SIGTERM, signal.SIGINT])
    if arguments.count_only:
        sink.write_count()
    controller.stop()


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM, signal.SIGINT])
    main()
