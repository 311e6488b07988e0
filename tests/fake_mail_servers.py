"""Tiny SMTP and IMAP servers on random local ports, just enough for a client to greet, sign in and
leave. Used to test the mailbox "test connection" action without the network."""

import base64
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager

USERNAME, PASSWORD = "robot", "s3cret"


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SmtpHandler(socketserver.StreamRequestHandler):
    def reply(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 fake ESMTP")
        for raw in self.rfile:
            command = raw.decode().strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250-fake\r\n250 AUTH PLAIN")
            elif verb == "AUTH":
                credentials = base64.b64decode(command.split(" ")[-1]).split(b"\0")
                ok = credentials[1:] == [USERNAME.encode(), PASSWORD.encode()]
                self.reply("235 2.7.0 Authenticated" if ok else "535 5.7.8 Bad credentials")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not here")


class ImapHandler(socketserver.StreamRequestHandler):
    def reply(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("* OK fake IMAP ready")
        for raw in self.rfile:
            tag, _, rest = raw.decode().strip().partition(" ")
            verb, _, arguments = rest.partition(" ")
            verb = verb.upper()
            if verb == "CAPABILITY":
                self.reply("* CAPABILITY IMAP4rev1 AUTH=PLAIN")
                self.reply(f"{tag} OK done")
            elif verb == "LOGIN":
                ok = arguments.replace('"', "").split(" ") == [USERNAME, PASSWORD]
                self.reply(f"{tag} OK signed in" if ok else f"{tag} NO [AUTHENTICATIONFAILED] bad credentials")
            elif verb == "LOGOUT":
                self.reply("* BYE")
                self.reply(f"{tag} OK bye")
                return
            else:
                self.reply(f"{tag} BAD not here")


@contextmanager
def serving(handler: type[socketserver.BaseRequestHandler]) -> Iterator[int]:
    """Serves on 127.0.0.1 at a free port (yielded) until the block ends."""
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
