#!/usr/bin/env python3
"""A real SMTP server (aiosmtpd) on loopback for the notice tests, with
failures scripted by arrival order, so that the sender meets them as it
would in the wild.

    test-smtp.py OUT_DIR [--fail N:CODE ...] [--auth USER:PASSWORD] [--pipelining]

Binds a free loopback port itself (port 0: no other process can take it
between choosing and binding, as it could if a port were probed and
closed first), prints that port, then serves until killed. Each message
the server stores is written to OUT_DIR/<n>.eml, and the number stored so
far to OUT_DIR.stored, so that a test can tell how far a run has got
(and the number of lost replies, below, to OUT_DIR.lost).

`--fail 3:550` answers the 3rd message's RCPT with 550 5.1.1; CODE may be
550, 451, 421 (answer and close the connection), drop (close the
connection once the whole message has arrived, without storing it or
answering) or lost (store the message, then close the connection without
answering: the reply after the final dot is lost, RFC 1047's duplicate
case, so a client that sends the message again makes a second copy that
a test can see). `--auth` requires AUTH (PLAIN or LOGIN, allowed without
TLS on loopback) with that user and password before any mail.
`--pipelining` offers PIPELINING (RFC 2920) and counts, in
OUT_DIR.pipelined, the transactions whose RCPT had already arrived with
their MAIL.
"""
import asyncio
import os
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Scripted:
    def __init__(self, out_dir, failures, pipelining):
        self.out_dir = out_dir
        self.failures = failures
        self.pipelining = pipelining
        self.pipelined = 0
        self.seen = 0      # RCPT commands, in order
        self.stored = 0    # messages written to OUT_DIR, lost replies included
        self.lost = 0      # of which the reply was lost

    def write_count(self, name, value):
        # Renamed into place, so that a test polling it never reads half.
        path = "%s.%s" % (self.out_dir.rstrip("/"), name)
        with open(path + ".tmp", "w") as f:
            f.write(str(value))
        os.rename(path + ".tmp", path)

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
            self.write_count("pipelined", self.pipelined)
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
        if action in ("drop", "lost"):
            session.fault_in_data = action
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        fault = getattr(session, "fault_in_data", None)
        session.fault_in_data = None
        if fault == "drop":
            server.transport.close()
            return "421 closing"  # never reaches the client: the connection is gone
        self.stored += 1
        path = os.path.join(self.out_dir, "%d.eml" % self.stored)
        with open(path + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(path + ".tmp", path)
        self.write_count("stored", self.stored)
        if fault == "lost":
            # Stored, and then the reply never arrives: the client cannot
            # know that the message is here.
            self.lost += 1
            self.write_count("lost", self.lost)
            server.transport.close()
            return "250 2.0.0 Ok: never seen by the client"
        return "250 2.0.0 Ok: queued as %d" % self.stored


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
            if code not in ("550", "451", "421", "drop", "lost"):
                # A misspelt fault would otherwise go unnoticed, and so
                # would the test that relies on it.
                sys.exit("unknown failure %r" % code)
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

    def factory():
        if auth is None:
            return ClosingSMTP(handler, enable_SMTPUTF8=True)
        return ClosingSMTP(
            handler,
            enable_SMTPUTF8=True,
            authenticator=authenticator,
            auth_required=True,
            auth_require_tls=False,
        )

    async def serve():
        # Port 0: the kernel picks a free port as it binds, so nothing can
        # take it in between; the test reads the port from the first line.
        server = await asyncio.get_running_loop().create_server(
            factory, host="127.0.0.1", port=0
        )
        print(server.sockets[0].getsockname()[1], flush=True)
        async with server:
            await server.serve_forever()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
