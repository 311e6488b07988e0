"""Real mail servers on loopback, on free ports, for the email tests: aiosmtpd capturing what we send,
Dovecot (run unprivileged from a temporary configuration) holding what we fetch."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from aiosmtpd.controller import Controller


@dataclass
class Captured:
    sender: str
    recipients: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return BytesParser(policy=policy.default).parsebytes(self.raw)


@dataclass
class CapturingHandler:
    messages: list[Captured] = field(default_factory=list)
    # Set by a test to answer with an SMTP error instead of accepting.
    reply: str | None = None
    on_message: object = None

    async def handle_DATA(self, server, session, envelope):
        if self.reply is not None:
            return self.reply
        captured = Captured(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        self.messages.append(captured)
        if self.on_message is not None:
            self.on_message(captured)
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    def __init__(self) -> None:
        self.handler = CapturingHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self) -> list[Captured]:
        return self.handler.messages

    @property
    def mailbox_settings(self) -> dict[str, object]:
        """Mailbox fields that send through this server."""
        return {"out_method": "smtp", "out_server": "127.0.0.1", "out_port": self.port, "out_encryption": "none"}

    def __enter__(self) -> "SmtpServer":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


DOVECOT_CONF = """\
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
instance_name = helpdesk-test-{port}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
login_trusted_networks =
mail_location = maildir:{base}/mail/%u
mail_uid = {uid}
mail_gid = {gid}
first_valid_uid = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {base}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={base}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
  user = {user}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-reader {{
    user = {user}
  }}
  unix_listener stats-writer {{
    user = {user}
  }}
}}
"""

DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None)


class DovecotServer:
    """A private Dovecot instance: its own base dir, port and users (``add_user``)."""

    def __init__(self) -> None:
        import grp
        import pwd

        # Not under pytest's tmp_path: its parents are private to us, and Dovecot's own users must get in.
        self.base = base = Path(tempfile.mkdtemp(prefix="helpdesk-dovecot-"))
        self.port = free_port()
        (base / "run").mkdir(parents=True)
        (base / "state").mkdir()
        (base / "passwd").write_text("")
        if os.getuid() == 0:
            # Dovecot runs neither logins nor mail access as root: the package's unprivileged users do.
            login, mail = pwd.getpwnam("dovenull"), pwd.getpwnam("nobody")
            base.chmod(0o755)
        else:
            login = mail = pwd.getpwuid(os.getuid())
        for name in ("mail", "home"):
            (base / name).mkdir()
            os.chown(base / name, mail.pw_uid, mail.pw_gid)
        self.config = base / "dovecot.conf"
        self.config.write_text(
            DOVECOT_CONF.format(
                base=base,
                port=self.port,
                uid=mail.pw_uid,
                gid=mail.pw_gid,
                user=login.pw_name,
                group=grp.getgrgid(login.pw_gid).gr_name,
            )
        )

    def add_user(self, name: str, password: str) -> None:
        with (self.base / "passwd").open("a") as passwd:
            passwd.write(f"{name}:{{PLAIN}}{password}::::::\n")

    def __enter__(self) -> "DovecotServer":
        subprocess.run(
            [DOVECOT, "-c", str(self.config)],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=30,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        log = (self.base / "dovecot.log").read_text() if (self.base / "dovecot.log").exists() else ""
        self.__exit__(None, None, None)
        raise RuntimeError(f"Dovecot did not start on port {self.port}:\n{log}")

    def __exit__(self, *exc) -> None:
        subprocess.run(
            [DOVECOT, "-c", str(self.config), "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30
        )
        shutil.rmtree(self.base, ignore_errors=True)


def outbox_deliver_all() -> int:
    """Sends every due outgoing email now, as the Celery task would; returns how many were tried."""
    from conversations.models import OutgoingEmail
    from conversations.tasks import outgoing_email_send

    pending = list(OutgoingEmail.objects.filter(status="pending").order_by("pk").values_list("pk", flat=True))
    for pk in pending:
        outgoing_email_send(pk)
    return len(pending)
