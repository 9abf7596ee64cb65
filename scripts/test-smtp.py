#!/usr/bin/env python3
"""A real SMTP server (aiosmtpd) on loopback for the notice tests, with
failures scripted by arrival order, so that the sender meets them as it
would in the wild.

    test-smtp.py OUT_DIR [--fail N:CODE ...] [--auth USER:PASSWORD] [--pipelining]

Prints the port it listens on, then serves until killed. Each accepted
message is written to OUT_DIR/<n>.eml. `--fail 3:550` answers the 3rd
message's RCPT with 550 5.1.1; CODE may be 550, 451, 421 (answer and close
the connection) or drop (close the connection in the middle of DATA).
`--auth` requires AUTH (PLAIN or LOGIN, allowed without TLS on loopback)
with that user and password before any mail. `--pipelining` offers
PIPELINING (RFC 2920) and counts, in OUT_DIR.pipelined, the transactions
whose RCPT had already arrived with their MAIL.
"""
import os
import socket
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Scripted:
    def __init__(self, out_dir, failures, pipelining):
        self.out_dir = out_dir
        self.failures = failures
        self.pipelining = pipelining
        self.pipelined = 0
        self.seen = 0      # RCPT commands, in order
        self.accepted = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.pipelining:
            responses.insert(1, "250-PIPELINING")
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        # Pipelined: the client sent RCPT in the same write as MAIL, so it
        # is already waiting in the server's buffer (the reader is
        # aiosmtpd's asyncio StreamReader).
        if b"RCPT" in bytes(getattr(server._reader, "_buffer", b"")):
            self.pipelined += 1
            with open(self.out_dir.rstrip("/") + ".pipelined", "w") as f:
                f.write(str(self.pipelined))
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.seen += 1
        action = self.failures.get(self.seen)
        if action == "550":
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        if action == "451":
            return "451 4.3.0 Temporary failure, try again later"
        if action == "421":
            session.close_after = True
            return "421 4.7.0 Too many connections, closing"
        if action == "drop":
            session.drop_in_data = True
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if getattr(session, "drop_in_data", False):
            session.drop_in_data = False
            server.transport.close()
            return "421 closing"  # never reaches the client: the connection is gone
        self.accepted += 1
        path = os.path.join(self.out_dir, "%d.eml" % self.accepted)
        with open(path + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(path + ".tmp", path)
        return "250 2.0.0 Ok: queued as %d" % self.accepted


class ClosingSMTP(SMTP):
    async def push(self, status):
        await super().push(status)
        if getattr(self.session, "close_after", False):
            self.session.close_after = False
            self.transport.close()


def main():
    out_dir = sys.argv[1]
    failures = {}
    auth = None
    pipelining = False
    args = sys.argv[2:]
    while args:
        if args[0] == "--pipelining":
            pipelining = True
            args = args[1:]
            continue
        if args[0] == "--fail":
            n, code = args[1].split(":")
            failures[int(n)] = code
            args = args[2:]
        elif args[0] == "--auth":
            auth = tuple(x.encode() for x in args[1].split(":", 1))
            args = args[2:]
        else:
            sys.exit("unknown argument %r" % args[0])
    os.makedirs(out_dir, exist_ok=True)
    handler = Scripted(out_dir, failures, pipelining)

    def authenticator(server, session, envelope, mechanism, login):
        ok = isinstance(login, LoginPassword) and (login.login, login.password) == auth
        # handled=False: the server answers 535 itself.
        return AuthResult(success=ok, handled=False)

    class Factory(Controller):
        def factory(self):
            if auth is None:
                return ClosingSMTP(self.handler, enable_SMTPUTF8=True)
            return ClosingSMTP(
                self.handler,
                enable_SMTPUTF8=True,
                authenticator=authenticator,
                auth_required=True,
                auth_require_tls=False,
            )

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    controller = Factory(handler, hostname="127.0.0.1", port=port)
    controller.start()
    print(port, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
