"""The SSRF guard, against real HTTP(S) servers on loopback. The network is never mocked; only DNS answers
are simulated (by replacing socket.getaddrinfo) where a test needs a name to resolve to a given address."""

import re
import shutil
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest.mock import ANY

import pytest

from helpdesk import outbound
from helpdesk.outbound import (
    FetchError,
    UnresolvableHost,
    UnsafeUrl,
    address_is_public,
    connections_close,
    url_check,
    url_fetch,
    url_post,
)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "LoopbackServer"

    def log_message(self, format, *args):
        pass

    def _reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _record(self, body=b""):
        self.server.requests.append((self.command, self.path, dict(self.headers.items()), body))
        self.server.peers.append(self.client_address)

    def do_GET(self):
        self._record()
        path = self.path
        if path == "/":
            self._reply(200, b"root")
        elif path == "/files/report.txt":
            self._reply(200, b"hello", [("Content-Type", "text/plain; charset=utf-8")])
        elif path == "/download?id=7":
            self._reply(
                200,
                b"%PDF",
                [("Content-Type", "application/pdf"), ("Content-Disposition", 'attachment; filename="q3 report.pdf"')],
            )
        elif path == "/rfc5987":
            self._reply(200, b"x", [("Content-Disposition", "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf")])
        elif path == "/sized":
            self._reply(200, b"a" * 1000)
        elif path == "/declares-huge":
            # Declares a gigabyte, sends a little, then stalls: only an early Content-Length check returns fast.
            self.send_response(200)
            self.send_header("Content-Length", str(10**9))
            self.end_headers()
            self.wfile.write(b"a" * 10)
            self.wfile.flush()
            self.server.stop.wait(10)
        elif path == "/chunked-forever":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                while not self.server.stop.is_set():
                    self.wfile.write(b"3e8\r\n" + b"a" * 1000 + b"\r\n")
            except OSError:
                pass
        elif path == "/no-length":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"a" * 5000)
            self.close_connection = True
        elif path == "/short-length":
            # Declares 5 bytes and sends more: HTTP framing says the body is 5 bytes, the rest is not read.
            self.send_response(200)
            self.send_header("Content-Length", "5")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"a" * 100_000)
            self.close_connection = True
        elif path == "/truncated":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"a" * 10)
            self.close_connection = True
        elif path == "/redirect":
            self._reply(302, headers=[("Location", "/files/report.txt")])
        elif path == "/hang":
            self.server.stop.wait(10)
        elif path == "/drip":
            # Each byte arrives well within any per-read timeout; only a total deadline ends this.
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            try:
                while not self.server.stop.wait(0.05):
                    self.wfile.write(b"a")
                    self.wfile.flush()
            except OSError:
                pass
        else:
            self._reply(404, b"not found")

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self._record(body)
        if self.path == "/hook":
            self._reply(201, b"x" * 5000, [("X-Reply", "one"), ("X-Reply", "two"), ("Content-Type", "text/plain")])
        elif self.path == "/redirect":
            self._reply(301, headers=[("Location", "http://example.com/")])
        elif self.path == "/error":
            self._reply(500, b"boom")
        elif self.path == "/hang":
            self.server.stop.wait(10)
        elif self.path == "/ok":
            self._reply(200, b"ok")
        elif self.path == "/ok-close":
            self._reply(200, b"ok", [("Connection", "close")])
            self.close_connection = True
        elif self.path == "/ok-then-close":
            # Keep-alive as far as the headers say, then the server closes the idle connection at once.
            self._reply(200, b"ok")
            self.close_connection = True
        else:
            self._reply(404)


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, family=socket.AF_INET):
        self.address_family = family
        super().__init__(address, Handler)
        self.requests = []
        self.peers = []  # the client's (address, port) of each request: one per connection reused
        self.stop = threading.Event()

    @property
    def port(self):
        return self.server_address[1]


def _serve(server):
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.stop.set()
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(autouse=True)
def _no_kept_connections():
    connections_close()
    yield
    connections_close()


@pytest.fixture
def server():
    yield from _serve(LoopbackServer(("127.0.0.1", 0)))


@pytest.fixture
def allow_private(settings):
    settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE_NETWORKS = True


@pytest.fixture
def deny_private(settings):
    settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE_NETWORKS = False


@pytest.fixture
def fake_dns(monkeypatch):
    """Simulated DNS: names in `answers` resolve to the given addresses, others go to the real resolver.
    Returns the list of names looked up, so tests can count lookups."""
    answers: dict[str, list[str]] = {}
    lookups: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        lookups.append(host)
        if host not in answers:
            return real_getaddrinfo(host, port, family, type, proto, flags)
        result = []
        for ip in answers[host]:
            if ":" in ip:
                result.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (ip, port, 0, 0)))
            else:
                result.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port)))
        return result

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers, lookups


# --- address_is_public -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ip",
    [
        "127.0.0.1",
        "127.255.255.254",
        "10.0.0.1",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "169.254.169.254",
        "169.254.0.1",
        "100.64.0.1",
        "100.127.255.254",
        "0.0.0.0",
        "0.1.2.3",
        "255.255.255.255",
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "198.18.0.1",
        "198.19.255.255",
        "192.0.2.1",
        "198.51.100.1",
        "203.0.113.1",
        "192.0.0.1",
        "192.88.99.1",
        "::",
        "::1",
        "fd00::1",
        "fc00::1",
        "fd00:ec2::254",
        "fe80::1",
        "fec0::1",
        "ff02::1",
        "ff0e::1",
        "2001:db8::1",
        "3fff::1",
        "100::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "::ffff:169.254.169.254",
        "::127.0.0.1",  # IPv4-compatible
        "::1.1.1.1",  # IPv4-compatible: refused even around a public address
        "::ffff:0:1.1.1.1",  # IPv4-translated
        "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b:1::101:101",  # local-use NAT64: refused outright
        "2002:0a00:0001::",  # 6to4 of 10.0.0.1
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
        "2001::1",  # Teredo: refused outright
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo with a public server address
    ],
)
def test_address_is_public_refuses(ip):
    assert address_is_public(ip) is False


@pytest.mark.parametrize(
    "ip",
    [
        "93.184.216.34",
        "1.1.1.1",
        "8.8.8.8",
        "2606:4700:4700::1111",
        "2a00:1450:4001:80b::200e",
        "::ffff:1.1.1.1",  # IPv4-mapped, judged by the embedded address
        "64:ff9b::101:101",  # NAT64 of 1.1.1.1
        "2002:101:101::1",  # 6to4 of 1.1.1.1
    ],
)
def test_address_is_public_accepts(ip):
    assert address_is_public(ip) is True


# --- url_check ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/file", "not http(s)"),
        ("file:///etc/passwd", "not http(s)"),
        ("gopher://example.com/", "not http(s)"),
        ("//example.com/", "not http(s)"),
        ("http://user:pass@example.com/", "credentials"),
        ("http://user@example.com/", "credentials"),
        ("http://@example.com/", "credentials"),
        ("http://example.com\\@127.0.0.1/", "backslash"),
        ("http:///path", "no host"),
        ("http://:80/", "no host"),
        ("http://example.com:0/", "port 0 out of range"),
        ("http://example.com:65536/", "invalid port"),
        ("http://example.com:abc/", "invalid port"),
        ("http://exa mple.com/", "whitespace"),
        ("http://exam\nple.com/", "control"),
        ("http://bad_host!.com/", "invalid host"),
        ("http://[::1%25lo]/", "zone"),
    ],
)
def test_url_check_refuses_malformed(url, reason, allow_private):
    with pytest.raises(UnsafeUrl, match=re.escape(reason)):
        url_check(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://10.0.0.1:8080/x",
        "https://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:7f00:1]/",
        "http://[64:ff9b::a00:1]/",
        "http://[2002:0a00:0001::]/",
        "http://[fd00::1]/",
        "http://[fe80::1]/",
        "http://[::]/",
    ],
)
def test_url_check_refuses_literal_non_public_ip(url, deny_private):
    with pytest.raises(UnsafeUrl, match="not a public address"):
        url_check(url)
    with pytest.raises(UnsafeUrl, match="not a public address"):
        url_check(url, resolve=False)


@pytest.mark.parametrize(
    "url",
    [
        "http://2130706433/",
        "http://0x7f.0.0.1/",
        "http://0x7f000001/",
        "http://127.1/",
        "http://0177.0.0.1/",
        "http://017700000001/",
        "http://127.0.0.1./",
        "http://010.0.0.1/",
        "http://1.1.1.1./",
        "http://16843009/",  # 1.1.1.1 as a number: refused although public, nothing legitimate writes it so
    ],
)
@pytest.mark.parametrize("allow", [False, True])
def test_url_check_refuses_non_canonical_ipv4(url, allow, settings, fake_dns):
    settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE_NETWORKS = allow
    _answers, lookups = fake_dns
    with pytest.raises(UnsafeUrl, match="non-canonical IPv4"):
        url_check(url)
    assert lookups == []


def test_url_check_returns_literal_public_ip_without_lookup(fake_dns, deny_private):
    _answers, lookups = fake_dns
    assert [str(ip) for ip in url_check("https://1.1.1.1/dns-query")] == ["1.1.1.1"]
    assert [str(ip) for ip in url_check("http://[2606:4700:4700::1111]:8080/")] == ["2606:4700:4700::1111"]
    assert lookups == []


def test_url_check_returns_every_resolved_address(fake_dns, deny_private):
    answers, _lookups = fake_dns
    answers["hooks.example.com"] = ["93.184.216.34", "2606:2800:220:1::1", "93.184.216.34"]
    assert [str(ip) for ip in url_check("https://hooks.example.com/in")] == ["93.184.216.34", "2606:2800:220:1::1"]


@pytest.mark.parametrize(
    ("addresses", "refused"),
    [
        (["10.0.0.1"], "10.0.0.1"),
        (["127.0.0.1"], "127.0.0.1"),
        (["169.254.169.254"], "169.254.169.254"),
        (["93.184.216.34", "10.0.0.1"], "10.0.0.1"),  # every address must be public, not just one
        (["2606:2800:220:1::1", "::ffff:192.168.0.1"], "::ffff:c0a8:1"),
    ],
)
def test_url_check_refuses_name_resolving_to_non_public_address(addresses, refused, fake_dns, deny_private):
    answers, _lookups = fake_dns
    answers["internal.example.com"] = addresses
    with pytest.raises(UnsafeUrl, match=f"resolves to a non-public address {refused}") as excinfo:
        url_check("https://internal.example.com/")
    assert not isinstance(excinfo.value, UnresolvableHost)


def test_url_check_raises_unresolvable_host_for_unknown_name(deny_private):
    with pytest.raises(UnresolvableHost, match=r"does-not-exist.invalid"):
        url_check("http://does-not-exist.invalid/")


def test_url_check_without_resolving_judges_only_the_url(fake_dns, deny_private):
    _answers, lookups = fake_dns
    assert url_check("http://does-not-exist.invalid/", resolve=False) == []
    with pytest.raises(UnsafeUrl, match="not http"):
        url_check("ftp://does-not-exist.invalid/", resolve=False)
    assert lookups == []


def test_allow_private_networks_opens_private_but_not_link_local_nor_scheme_rules(allow_private, fake_dns):
    answers, _lookups = fake_dns
    answers["intranet.corp"] = ["10.1.2.3", "fd12::1"]
    assert [str(ip) for ip in url_check("http://127.0.0.1:8000/")] == ["127.0.0.1"]
    assert [str(ip) for ip in url_check("http://[::1]/")] == ["::1"]
    assert [str(ip) for ip in url_check("http://intranet.corp/")] == ["10.1.2.3", "fd12::1"]
    for url in ["http://169.254.169.254/", "http://[fd00:ec2::254]/", "http://[fe80::1]/", "http://0.0.0.0/"]:
        with pytest.raises(UnsafeUrl, match="not a public address"):
            url_check(url)
    with pytest.raises(UnsafeUrl, match="credentials"):
        url_check("http://user:pass@127.0.0.1/")
    with pytest.raises(UnsafeUrl, match="not http"):
        url_check("ftp://127.0.0.1/")


# --- url_fetch ---------------------------------------------------------------------------------------------


def test_fetch_from_loopback_refused_when_private_networks_not_allowed(server, deny_private):
    with pytest.raises(UnsafeUrl, match=r"127.0.0.1 is not a public address"):
        url_fetch(f"http://127.0.0.1:{server.port}/files/report.txt", max_bytes=100)
    assert server.requests == []


def test_fetch_returns_content_type_and_name_from_path(server, allow_private):
    content, content_type, name = url_fetch(f"http://127.0.0.1:{server.port}/files/report.txt", max_bytes=100)
    assert (content, content_type, name) == (b"hello", "text/plain", "report.txt")
    [(method, path, headers, _body)] = server.requests
    assert (method, path, headers["Host"], headers["Accept-Encoding"]) == (
        "GET",
        "/files/report.txt",
        f"127.0.0.1:{server.port}",
        "identity",
    )


def test_fetch_takes_file_name_from_content_disposition(server, allow_private):
    assert url_fetch(f"http://127.0.0.1:{server.port}/download?id=7", max_bytes=100) == (
        b"%PDF",
        "application/pdf",
        "q3 report.pdf",
    )
    assert url_fetch(f"http://127.0.0.1:{server.port}/rfc5987", max_bytes=100) == (b"x", None, "résumé.pdf")


def test_fetch_without_a_file_name(server, allow_private):
    assert url_fetch(f"http://127.0.0.1:{server.port}/", max_bytes=100) == (b"root", None, None)


def test_fetch_max_bytes_with_honest_content_length(server, allow_private):
    url = f"http://127.0.0.1:{server.port}/sized"
    assert url_fetch(url, max_bytes=1000)[0] == b"a" * 1000
    with pytest.raises(FetchError, match="1000 bytes is larger than 999 bytes"):
        url_fetch(url, max_bytes=999)


def test_fetch_rejects_too_large_content_length_before_reading(server, allow_private):
    started = time.monotonic()
    with pytest.raises(FetchError, match="larger than"):
        url_fetch(f"http://127.0.0.1:{server.port}/declares-huge", max_bytes=1000, timeout=5)
    assert time.monotonic() - started < 1


def test_fetch_max_bytes_with_endless_chunked_body(server, allow_private):
    started = time.monotonic()
    with pytest.raises(FetchError, match="larger than 10000 bytes"):
        url_fetch(f"http://127.0.0.1:{server.port}/chunked-forever", max_bytes=10_000, timeout=5)
    assert time.monotonic() - started < 1


def test_fetch_max_bytes_without_content_length(server, allow_private):
    url = f"http://127.0.0.1:{server.port}/no-length"
    with pytest.raises(FetchError, match="larger than 4999 bytes"):
        url_fetch(url, max_bytes=4999)
    assert url_fetch(url, max_bytes=5000)[0] == b"a" * 5000


def test_fetch_reads_no_more_than_a_short_content_length(server, allow_private):
    assert url_fetch(f"http://127.0.0.1:{server.port}/short-length", max_bytes=10)[0] == b"aaaaa"


def test_fetch_body_shorter_than_content_length_is_an_error(server, allow_private):
    with pytest.raises(FetchError, match="90 bytes before the end"):
        url_fetch(f"http://127.0.0.1:{server.port}/truncated", max_bytes=1000)


def test_fetch_does_not_follow_redirects(server, allow_private):
    with pytest.raises(FetchError, match=r"302 redirect to '/files/report.txt' not followed"):
        url_fetch(f"http://127.0.0.1:{server.port}/redirect", max_bytes=1000)
    assert [path for _m, path, _h, _b in server.requests] == ["/redirect"]


def test_fetch_404_is_an_error(server, allow_private):
    with pytest.raises(FetchError, match="HTTP 404"):
        url_fetch(f"http://127.0.0.1:{server.port}/missing", max_bytes=1000)


def test_fetch_from_hanging_server_times_out(server, allow_private):
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"timed out after 0.5 s"):
        url_fetch(f"http://127.0.0.1:{server.port}/hang", max_bytes=1000, timeout=0.5, connect_timeout=0.5)
    assert time.monotonic() - started < 2


def test_fetch_total_timeout_holds_against_a_dripping_server(server, allow_private):
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"timed out after 0.5 s"):
        url_fetch(f"http://127.0.0.1:{server.port}/drip", max_bytes=10_000, timeout=0.5)
    assert time.monotonic() - started < 2


def test_fetch_connection_refused(allow_private):
    with socket.socket() as bound_not_listening:
        bound_not_listening.bind(("127.0.0.1", 0))
        port = bound_not_listening.getsockname()[1]
        with pytest.raises(FetchError, match="cannot connect"):
            url_fetch(f"http://127.0.0.1:{port}/", max_bytes=1000)


def test_fetch_unresolvable_host_is_refused(allow_private):
    with pytest.raises(UnresolvableHost):
        url_fetch("http://does-not-exist.invalid/", max_bytes=1000)


def test_fetch_connects_to_the_checked_address(server, allow_private, fake_dns):
    """DNS rebinding: the name is resolved once, checked, and that address is connected to. Later answers
    (here a non-public address the check would refuse) are never asked for."""
    answers, lookups = fake_dns
    answers["rebind.example.com"] = ["127.0.0.1"]
    url = f"http://rebind.example.com:{server.port}/files/report.txt"

    assert url_fetch(url, max_bytes=100)[0] == b"hello"
    answers["rebind.example.com"] = ["169.254.169.254"]
    with pytest.raises(UnsafeUrl, match=r"169.254.169.254"):
        url_fetch(url, max_bytes=100)

    assert lookups == ["rebind.example.com", "rebind.example.com"]
    [(_method, _path, headers, _body)] = server.requests
    assert headers["Host"] == f"rebind.example.com:{server.port}"


def test_fetch_tries_the_next_checked_address(server, allow_private, fake_dns):
    answers, lookups = fake_dns
    # 127.0.0.2 has nothing listening on the server's port (the server is bound to 127.0.0.1 only).
    answers["two.example.com"] = ["127.0.0.2", "127.0.0.1"]
    assert url_fetch(f"http://two.example.com:{server.port}/files/report.txt", max_bytes=100)[0] == b"hello"
    assert lookups == ["two.example.com"]


@pytest.fixture
def ipv6_server():
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        server = LoopbackServer(("::1", 0), family=socket.AF_INET6)
    except OSError:
        pytest.skip("no IPv6 loopback")
    yield from _serve(server)


def test_fetch_over_ipv6(ipv6_server, settings):
    url = f"http://[::1]:{ipv6_server.port}/files/report.txt"
    settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    with pytest.raises(UnsafeUrl):
        url_fetch(url, max_bytes=100)
    settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    assert url_fetch(url, max_bytes=100)[0] == b"hello"
    assert ipv6_server.requests[0][2]["Host"] == f"[::1]:{ipv6_server.port}"


# --- HTTPS: the checked address is connected to, the name is sent in SNI and verified in the certificate ----


def _self_signed(tmp_path, name):
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    cert, key = tmp_path / f"{name}.crt", tmp_path / f"{name}.key"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={name}"),
            *("-addext", f"subjectAltName=DNS:{name}", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def https_server(tmp_path, monkeypatch):
    cert, key = _self_signed(tmp_path, "pinned.example.com")
    # Trust the test certificate instead of the system store for this test only.
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = LoopbackServer(("127.0.0.1", 0))
    server.sni_names = []
    context.sni_callback = lambda _sock, name, _context: server.sni_names.append(name)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    yield from _serve(server)


def test_https_fetch_sends_name_in_sni_and_host(https_server, allow_private, fake_dns):
    answers, lookups = fake_dns
    answers["pinned.example.com"] = ["127.0.0.1"]
    content, _type, _name = url_fetch(f"https://pinned.example.com:{https_server.port}/files/report.txt", max_bytes=100)
    assert content == b"hello"
    assert https_server.sni_names == ["pinned.example.com"]
    assert https_server.requests[0][2]["Host"] == f"pinned.example.com:{https_server.port}"
    assert lookups == ["pinned.example.com"]


def test_https_certificate_must_match_the_name(https_server, allow_private, fake_dns):
    answers, _lookups = fake_dns
    answers["other.example.com"] = ["127.0.0.1"]
    with pytest.raises(FetchError, match=r"TLS error.*certificate"):
        url_fetch(f"https://other.example.com:{https_server.port}/files/report.txt", max_bytes=100)
    with pytest.raises(FetchError, match=r"TLS error.*certificate"):
        url_fetch(f"https://127.0.0.1:{https_server.port}/files/report.txt", max_bytes=100)
    assert https_server.requests == []


# --- url_post ----------------------------------------------------------------------------------------------


def test_post_sends_exact_body_and_headers(server, allow_private):
    body = b'{"id": 1, "subject": "caf\xc3\xa9"}\x00\xff'
    status, headers, response_body, duration = url_post(
        f"http://127.0.0.1:{server.port}/hook",
        body=body,
        headers={"Content-Type": "application/json", "X-FreeScout-Event": "convo.created"},
    )
    assert status == 201
    assert headers["x-reply"] == "one, two"
    assert headers["content-type"] == "text/plain"
    assert response_body == b"x" * 2048
    assert 0 < duration < 5
    [(method, path, sent_headers, sent_body)] = server.requests
    assert (method, path, sent_body) == ("POST", "/hook", body)
    assert sent_headers["Content-Type"] == "application/json"
    assert sent_headers["X-FreeScout-Event"] == "convo.created"
    assert sent_headers["Content-Length"] == str(len(body))
    assert sent_headers["Host"] == f"127.0.0.1:{server.port}"


def test_post_response_body_limit(server, allow_private):
    url = f"http://127.0.0.1:{server.port}/hook"
    assert url_post(url, body=b"{}", headers={}, max_response_bytes=10)[2] == b"x" * 10
    assert url_post(url, body=b"{}", headers={}, max_response_bytes=0)[2] == b""


def test_post_returns_redirect_without_following_it(server, allow_private):
    status, headers, _body, _duration = url_post(f"http://127.0.0.1:{server.port}/redirect", body=b"{}", headers={})
    assert (status, headers["location"]) == (301, "http://example.com/")
    assert len(server.requests) == 1


def test_post_returns_server_error_as_status(server, allow_private):
    status, _headers, body, _duration = url_post(f"http://127.0.0.1:{server.port}/error", body=b"{}", headers={})
    assert (status, body) == (500, b"boom")


def test_post_connection_refused(allow_private):
    with socket.socket() as bound_not_listening:
        bound_not_listening.bind(("127.0.0.1", 0))
        port = bound_not_listening.getsockname()[1]
        with pytest.raises(FetchError, match="cannot connect"):
            url_post(f"http://127.0.0.1:{port}/", body=b"{}", headers={})


def test_post_to_hanging_server_times_out(server, allow_private):
    started = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        url_post(f"http://127.0.0.1:{server.port}/hang", body=b"{}", headers={}, timeout=0.5)
    assert time.monotonic() - started < 2


def test_post_refused_to_loopback_when_private_networks_not_allowed(server, deny_private):
    with pytest.raises(UnsafeUrl):
        url_post(f"http://127.0.0.1:{server.port}/hook", body=b"{}", headers={})
    assert server.requests == []


def test_post_connects_to_the_checked_address(server, allow_private, fake_dns):
    answers, lookups = fake_dns
    answers["hooks.example.com"] = ["127.0.0.1"]
    status, *_ = url_post(f"http://hooks.example.com:{server.port}/hook", body=b"{}", headers={})
    assert status == 201
    assert lookups == ["hooks.example.com"]
    assert server.requests[0][2]["Host"] == f"hooks.example.com:{server.port}"


def test_post_host_header_comes_from_the_url(server, allow_private):
    with pytest.raises(ValueError, match="Host"):
        url_post(f"http://127.0.0.1:{server.port}/hook", body=b"{}", headers={"host": "evil.example.com"})


# --- url_post's kept-alive connections -----------------------------------------------------------------------


def test_post_keeps_the_connection_alive_for_the_next_request(server, allow_private):
    url = f"http://127.0.0.1:{server.port}/ok"
    for _ in range(3):
        assert url_post(url, body=b"{}", headers={})[:3] == (
            200,
            {"server": ANY, "date": ANY, "content-length": "2"},
            b"ok",
        )
    assert len(server.peers) == 3 and len(set(server.peers)) == 1
    assert "Connection" not in server.requests[0][2]


def test_post_never_reuses_a_connection_for_another_host(server, allow_private, fake_dns):
    answers, _lookups = fake_dns
    answers["a.example.com"] = answers["b.example.com"] = ["127.0.0.1"]
    for name in ("a", "b", "a", "b"):
        assert url_post(f"http://{name}.example.com:{server.port}/ok", body=b"{}", headers={})[0] == 200
    hosts = [headers["Host"].split(":")[0] for _method, _path, headers, _body in server.requests]
    assert hosts == ["a.example.com", "b.example.com", "a.example.com", "b.example.com"]
    a_first, b_first, a_again, b_again = server.peers
    assert a_first == a_again and b_first == b_again and a_first != b_first


def test_post_never_reuses_a_connection_when_the_name_resolves_otherwise(server, allow_private, fake_dns):
    answers, _lookups = fake_dns
    answers["a.example.com"] = ["127.0.0.1"]
    url = f"http://a.example.com:{server.port}/ok"
    url_post(url, body=b"{}", headers={})
    answers["a.example.com"] = ["127.0.0.1", "127.0.0.2"]  # another answer: judged and connected afresh
    url_post(url, body=b"{}", headers={})
    assert len(set(server.peers)) == 2


def test_post_never_reuses_a_connection_once_the_check_refuses_the_url(server, allow_private, settings):
    url = f"http://127.0.0.1:{server.port}/ok"
    url_post(url, body=b"{}", headers={})
    settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    with pytest.raises(UnsafeUrl):
        url_post(url, body=b"{}", headers={})
    assert len(server.requests) == 1


def test_post_closes_what_the_server_closes(server, allow_private):
    base = f"http://127.0.0.1:{server.port}"
    for path in ("/ok-close", "/ok-then-close", "/ok", "/ok"):
        assert url_post(base + path, body=b"{}", headers={})[0] == 200
    first, second, third, fourth = server.peers
    assert len({first, second, third}) == 3 and third == fourth


def test_post_keeps_no_connection_whose_answer_was_not_read_to_its_end(server, allow_private):
    url = f"http://127.0.0.1:{server.port}/hook"  # answers 5,000 bytes
    url_post(url, body=b"{}", headers={}, max_response_bytes=100)
    url_post(url, body=b"{}", headers={}, max_response_bytes=100)
    assert len(set(server.peers)) == 2


def test_post_total_deadline_holds_on_a_reused_connection(server, allow_private):
    base = f"http://127.0.0.1:{server.port}"
    url_post(base + "/ok", body=b"{}", headers={}, timeout=30)
    started = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        url_post(base + "/hang", body=b"{}", headers={}, timeout=0.5)
    assert time.monotonic() - started < 2
    assert len(set(server.peers)) == 1


def test_post_does_not_reuse_a_connection_idle_too_long(server, allow_private, monkeypatch):
    monkeypatch.setattr(outbound, "IDLE_SECONDS", 0.0)
    url = f"http://127.0.0.1:{server.port}/ok"
    url_post(url, body=b"{}", headers={})
    url_post(url, body=b"{}", headers={})
    assert len(set(server.peers)) == 2
