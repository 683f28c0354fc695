#!/usr/bin/env python3
"""A real SMTP server for tests and benchmarks (aiosmtpd): accepts mail and writes each message to
DIR/<sequence>.eml with its envelope recipient in an X-Envelope-To header.

  smtp_sink.py --port P --dir DIR [--reject ADDRESS]... [--delay-mail SECONDS] [--count-only]

--reject answers 550 to RCPT TO for that address (a permanent failure); --delay-mail waits before
answering MAIL FROM, so a client killed meanwhile has delivered nothing; --count-only keeps no files,
only DIR/count (for benchmarks). Prints "ready <port>" once listening.
"""
import argparse
import asyncio
import os
import signal
import threading
import time

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory, rejected, delay, count_only):
        self.directory = directory
        self.rejected = {address.lower() for address in rejected}
        self.delay = delay
        self.count_only = count_only
        self.sequence = 0

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.delay:
            await asyncio.sleep(self.delay)
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
        header = "".join(f"X-Envelope-To: {rcpt}\r\n" for rcpt in envelope.rcpt_tos).encode()
        partial = os.path.join(self.directory, f".{self.sequence:06d}.partial")
        with open(partial, "wb") as file:
            file.write(header + content)
        os.rename(partial, os.path.join(self.directory, f"{self.sequence:06d}.eml"))
        return "250 OK"

    def write_count(self):
        with open(os.path.join(self.directory, "count.partial"), "w") as file:
            file.write(str(self.sequence))
        os.replace(os.path.join(self.directory, "count.partial"), os.path.join(self.directory, "count"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--reject", action="append", default=[])
    parser.add_argument("--delay-mail", type=float, default=0)
    parser.add_argument("--count-only", action="store_true")
    arguments = parser.parse_args()
    os.makedirs(arguments.dir, exist_ok=True)
    sink = Sink(arguments.dir, arguments.reject, arguments.delay_mail, arguments.count_only)
    controller = Controller(sink, hostname="127.0.0.1", port=arguments.port, data_size_limit=10_000_000)
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
