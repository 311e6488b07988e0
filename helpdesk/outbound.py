"""The one way the server makes HTTP requests to URLs that users supply (SSRF guard).

Downloads of attachments and customer photos given by URL use `url_fetch`, webhook delivery uses `url_post`,
and webhook URLs are checked with `url_check` when set. Every request goes to an address that `url_check` has just
judged: the host name is resolved once, and the connection is opened to that address (with the original name
in the Host header, in SNI and in certificate verification), so a DNS answer that changes between the check
and the connection (DNS rebinding) cannot point the request elsewhere.

Built on the standard library (`http.client`, `ssl`, `socket`) rather than an HTTP client library: owning the
socket makes connect-to-the-checked-address explicit, and nothing is decoded, proxied (no `*_proxy`
environment variables) or redirected behind our back.

`url_post` keeps connections alive (webhook deliveries are many POSTs to few receivers): a connection is put
back only after a response read to its end that did not ask to close, and taken again only by a request whose
own check of its URL, made just before, gave the same scheme, host name, port and addresses, so it is never
used for another host, nor once the check refuses the URL. `url_fetch` closes every connection. The pool is
hand-written, a few lines over `http.client`'s own keep-alive, rather than urllib3's: the total deadline
below needs the socket of each request, pooled or new, and urllib3 keeps it inside its pool.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import os
import re
import select
import socket
import ssl
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

USER_AGENT = "helpdesk"
_READ_CHUNK = 64 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}


class UnsafeUrl(Exception):
    pass


class UnresolvableHost(UnsafeUrl):
    """The host name does not resolve (yet). The webhook create endpoint accepts such a URL; fetchers refuse it."""


class FetchError(Exception):
    pass


# Never public, whatever Python's `is_global` says (on 3.11 it calls multicast, 192.88.99/24 and the
# IPv6 ranges below global).
_NON_PUBLIC_V4 = tuple(
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8",  # "this network"; connecting to 0.0.0.0 reaches the local host
        "10.0.0.0/8",
        "100.64.0.0/10",  # CGNAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata at 169.254.169.254
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # deprecated 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, includes 255.255.255.255
    )
)
# IPv6 forms that embed an IPv4 address are judged by that address before this list is consulted:
# IPv4-mapped ::ffff:0:0/96, NAT64 64:ff9b::/96 and 6to4 2002::/16. The others are refused outright.
_NON_PUBLIC_V6 = tuple(
    ipaddress.IPv6Network(n)
    for n in (
        "::/96",  # IPv4-compatible (deprecated); includes :: and ::1
        "::ffff:0:0:0/96",  # IPv4-translated (SIIT)
        "64:ff9b:1::/48",  # local-use NAT64: its IPv4 embedding is network-specific, so refused
        "100::/64",  # discard-only
        "2001::/23",  # IETF protocol assignments, includes Teredo 2001::/32 (refused, not unwrapped)
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation (RFC 9637)
        "5f00::/16",  # SRv6 SIDs
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")

# What HELPDESK_WEBHOOK_ALLOW_PRIVATE_NETWORKS opens. Link-local stays closed (cloud metadata lives there),
# and so does AWS's IPv6 metadata address inside the unique-local range.
_PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "::1/128", "fc00::/7")
)
_METADATA_V6 = ipaddress.IPv6Address("fd00:ec2::254")

_HOST_NAME = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$")
# The WHATWG URL parser and inet_aton() read a host whose last label is a number as an IPv4 address
# (2130706433, 0x7f.0.0.1, 127.1, 0177.0.0.1); only the canonical dotted quad is accepted as one.
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")
_DOTTED_QUAD = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_is_public(ip: IPAddress | str) -> bool:
    """True for globally reachable unicast addresses only.

    IPv4-mapped, NAT64 (64:ff9b::/96) and 6to4 addresses are judged by the IPv4 address they embed;
    IPv4-compatible, local-use NAT64 and Teredo addresses are refused outright.
    """
    if isinstance(ip, str):
        ip = ipaddress.ip_address(ip)
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return address_is_public(embedded)
        networks: tuple[ipaddress.IPv4Network, ...] | tuple[ipaddress.IPv6Network, ...] = _NON_PUBLIC_V6
    else:
        networks = _NON_PUBLIC_V4
    if any(ip in network for network in networks):
        return False
    if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved or ip.is_unspecified:
        return False
    return ip.is_global


def _address_is_private_network(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return _address_is_private_network(embedded)
        if ip == _METADATA_V6:
            return False
    return any(ip in network for network in _PRIVATE_NETWORKS)


def _address_allowed(ip: IPAddress, private_networks: bool | None = None) -> bool:
    if address_is_public(ip):
        return True
    if private_networks is None:
        private_networks = bool(settings.HELPDESK_WEBHOOK_ALLOW_PRIVATE_NETWORKS)
    return private_networks and _address_is_private_network(ip)


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str  # ASCII (IDNA) host name, or the IP address as text
    ip: IPAddress | None  # set when the URL holds a literal IP address
    port: int
    host_header: str
    request_target: str
    path: str


def _parse(url: str) -> _Target:
    if any(c.isspace() or ord(c) < 0x20 or c in "\\\x7f" for c in url):
        raise UnsafeUrl("URL contains whitespace, control characters or backslashes")
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
    except ValueError as exc:
        raise UnsafeUrl(f"malformed URL: {exc}") from None
    try:
        port = parts.port
    except ValueError:
        raise UnsafeUrl("invalid port") from None
    if parts.scheme not in _DEFAULT_PORTS:
        raise UnsafeUrl("not http(s)")
    if "@" in parts.netloc:
        raise UnsafeUrl("credentials in URL not allowed")
    if not hostname:
        raise UnsafeUrl("no host in URL")
    default_port = _DEFAULT_PORTS[parts.scheme]
    if port is None:
        port = default_port
    if not 1 <= port <= 65535:
        raise UnsafeUrl(f"port {port} out of range")

    ip: IPAddress | None = None
    if "[" in parts.netloc:
        try:
            ip = ipaddress.IPv6Address(hostname)
        except ValueError:
            raise UnsafeUrl("invalid IPv6 address") from None
        if ip.scope_id is not None:
            raise UnsafeUrl("IPv6 zone identifiers not allowed")
        host = str(ip)
        host_label = f"[{host}]"
    elif _DOTTED_QUAD.match(hostname):
        try:
            ip = ipaddress.IPv4Address(hostname)
        except ValueError:
            raise UnsafeUrl(f"non-canonical IPv4 address {hostname}") from None
        host = host_label = str(ip)
    else:
        try:
            host = hostname.encode("idna").decode("ascii")
        except UnicodeError:
            raise UnsafeUrl("invalid host name") from None
        if not _HOST_NAME.match(host) or len(host.rstrip(".")) > 253:
            raise UnsafeUrl("invalid host name")
        if _NUMERIC_LABEL.match(host.rstrip(".").rsplit(".", 1)[-1]):
            raise UnsafeUrl(f"non-canonical IPv4 address {hostname}")
        host_label = host

    safe = "/%!$&'()*+,;=:@~-._"
    path = quote(parts.path or "/", safe=safe)
    request_target = path + (f"?{quote(parts.query, safe=safe + '?')}" if parts.query else "")
    return _Target(
        scheme=parts.scheme,
        host=host,
        ip=ip,
        port=port,
        host_header=host_label if port == default_port else f"{host_label}:{port}",
        request_target=request_target,
        path=parts.path,
    )


def _check(url: str, *, resolve: bool, private_networks: bool | None = None) -> tuple[_Target, list[IPAddress]]:
    target = _parse(url)
    if target.ip is not None:
        if not _address_allowed(target.ip, private_networks):
            raise UnsafeUrl(f"{target.ip} is not a public address")
        return target, [target.ip]
    if not resolve:
        return target, []
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnresolvableHost(f"{target.host} does not resolve: {exc}") from None
    addresses: list[IPAddress] = []
    for family, _type, _proto, _canonname, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        ip = ipaddress.ip_address(sockaddr[0])
        if not _address_allowed(ip, private_networks):
            raise UnsafeUrl(f"{target.host} resolves to a non-public address {ip}")
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise UnresolvableHost(f"{target.host} does not resolve to an IP address")
    return target, addresses


def url_check(url: str, *, resolve: bool = True) -> list[IPAddress]:
    """Raise UnsafeUrl unless `url` may be requested; return the addresses it may be requested at.

    With `resolve=False` only the URL itself is judged: a literal IP address is checked and returned, a host
    name returns []. A name that does not resolve raises UnresolvableHost.
    """
    return _check(url, resolve=resolve)[1]


class _Deadline:
    """A total time limit. Socket timeouts alone bound each read, not the sum of them, so a server dripping
    one byte at a time could hold a request forever; a timer shuts the socket down when time is up."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._at = time.monotonic() + seconds
        self._sock: socket.socket | None = None
        self.expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()

    def remaining(self) -> float:
        left = self._at - time.monotonic()
        if left <= 0 or self.expired:
            raise FetchError(f"timed out after {self.seconds:g} s")
        return left

    def watch(self, sock: socket.socket) -> None:
        self._sock = sock

    def _expire(self) -> None:
        self.expired = True
        if self._sock is not None:
            # socket.socket.shutdown even on an SSLSocket: wake the blocked read without touching TLS state.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(self._sock, socket.SHUT_RDWR)


def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()


class _PinnedConnection(http.client.HTTPConnection):
    """Connects to one of the checked addresses, never to whatever the host name resolves to now."""

    def __init__(self, target: _Target, addresses: list[IPAddress], deadline: _Deadline, connect_timeout: float):
        super().__init__(target.host, target.port)
        self._target = target
        self._addresses = addresses
        self._deadline = deadline
        self._connect_timeout = connect_timeout

    def rebind(self, deadline: _Deadline) -> None:
        """Puts a kept-alive connection under the deadline of the request that reuses it."""
        assert self.sock is not None
        self._deadline = deadline
        deadline.watch(self.sock)
        self.sock.settimeout(deadline.remaining())

    def dropped(self) -> bool:
        """True when the connection cannot carry another request: closed, or readable while idle (the peer
        closed it, or sent what no request asked for)."""
        if self.sock is None or self.sock.fileno() < 0:
            return True
        try:
            readable, _, _ = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)

    def connect(self) -> None:
        failures = []
        for address in self._addresses:
            try:
                self.sock = self._connect_to(address)
                return
            except ssl.SSLError as exc:
                self._deadline.remaining()  # a handshake cut short by the deadline is a timeout
                raise FetchError(f"TLS error with {self._target.host} at {address}: {exc}") from None
            except OSError as exc:
                if self._deadline.expired:
                    break
                failures.append(f"{address}: {exc}")
        self._deadline.remaining()
        raise FetchError(f"cannot connect to {self._target.host} port {self._target.port}: " + "; ".join(failures))

    def _connect_to(self, address: IPAddress) -> socket.socket:
        family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            self._deadline.watch(sock)
            sock.settimeout(min(self._connect_timeout, self._deadline.remaining()))
            sock.connect((str(address), self._target.port))
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.settimeout(self._deadline.remaining())
            if self._target.scheme == "https":
                sock = _tls_context().wrap_socket(
                    sock, server_hostname=self._target.host, do_handshake_on_connect=False
                )
                self._deadline.watch(sock)
                sock.do_handshake()
        except BaseException:
            sock.close()
            raise
        return sock


# (scheme, host, port, the addresses the check gave)
_PoolKey = tuple[str, str, int, tuple[IPAddress, ...]]
IDLE_SECONDS = 20.0  # below the idle timeouts of common servers (nginx 75 s, Node 5 s is caught by `dropped`)
IDLE_PER_HOST = 8  # a threads worker's concurrency, as production runs it
IDLE_HOSTS = 32


class _IdleConnections:
    """Connections kept alive between requests, by what their request's check of the URL gave."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: OrderedDict[_PoolKey, list[tuple[float, _PinnedConnection]]] = OrderedDict()
        self._pid = os.getpid()

    def _forked(self) -> None:
        # A forked child (a prefork worker) must not share its parent's sockets: it forgets them.
        if self._pid != os.getpid():
            self._idle, self._pid = OrderedDict(), os.getpid()

    def take(self, key: _PoolKey) -> _PinnedConnection | None:
        now = time.monotonic()
        with self._lock:
            self._forked()
            entries = self._idle.get(key, [])
            while entries:
                since, connection = entries.pop()
                if now - since < IDLE_SECONDS and not connection.dropped():
                    return connection
                connection.close()
        return None

    def give(self, key: _PoolKey, connection: _PinnedConnection) -> None:
        now = time.monotonic()
        with self._lock:
            self._forked()
            # Those idle too long are closed here too, not only when their host is posted to again: a receiver
            # posted to once must not hold a socket open for the life of the process.
            for other in list(self._idle):
                kept = []
                for since, idle in self._idle[other]:
                    if now - since < IDLE_SECONDS:
                        kept.append((since, idle))
                    else:
                        idle.close()
                if kept or other == key:
                    self._idle[other] = kept
                else:
                    del self._idle[other]
            entries = self._idle.setdefault(key, [])
            self._idle.move_to_end(key)
            if len(entries) >= IDLE_PER_HOST:
                connection.close()
                return
            entries.append((time.monotonic(), connection))
            while len(self._idle) > IDLE_HOSTS:
                for _since, old in self._idle.popitem(last=False)[1]:
                    old.close()

    def close_all(self) -> None:
        with self._lock:
            self._forked()
            for entries in self._idle.values():
                for _since, connection in entries:
                    connection.close()
            self._idle.clear()


_idle_connections = _IdleConnections()


def connections_close() -> None:
    """Closes the connections `url_post` keeps alive."""
    _idle_connections.close_all()


def _request(
    target: _Target,
    addresses: list[IPAddress],
    deadline: _Deadline,
    *,
    method: str,
    body: bytes | None,
    headers: dict[str, str],
    connect_timeout: float,
    keep_alive: bool = False,
) -> tuple[_PinnedConnection, http.client.HTTPResponse]:
    all_headers = {"Host": target.host_header, "User-Agent": USER_AGENT}
    if not keep_alive:
        all_headers["Connection"] = "close"
    all_headers.update(headers)
    if keep_alive and (kept := _idle_connections.take(_pool_key(target, addresses))) is not None:
        kept.rebind(deadline)
        try:
            kept.request(method, target.request_target, body=body, headers=all_headers)
            return kept, kept.getresponse()
        except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected):
            # The receiver closed the idle connection as it was taken; sent again on a new one (a delivery is
            # at least once: its id lets the receiver tell a repeat).
            kept.close()
            deadline.remaining()
        except (OSError, http.client.HTTPException) as exc:
            kept.close()
            deadline.remaining()
            raise FetchError(f"{method} {target.host}: {exc!r}") from None
    connection = _PinnedConnection(target, addresses, deadline, connect_timeout)
    try:
        connection.request(method, target.request_target, body=body, headers=all_headers)
        return connection, connection.getresponse()
    except FetchError:
        connection.close()
        raise
    except (OSError, http.client.HTTPException) as exc:
        connection.close()
        deadline.remaining()
        raise FetchError(f"{method} {target.host}: {exc!r}") from None


def _pool_key(target: _Target, addresses: list[IPAddress]) -> _PoolKey:
    return (target.scheme, target.host, target.port, tuple(addresses))


def _file_name(response: http.client.HTTPResponse, target: _Target) -> str | None:
    name = response.msg.get_filename() or unquote(target.path.rsplit("/", 1)[-1])
    name = "".join(c for c in name.replace("\\", "/").rsplit("/", 1)[-1] if c.isprintable()).strip()
    return None if name in ("", ".", "..") else name


def url_fetch(
    url: str,
    *,
    max_bytes: int,
    timeout: float = 15.0,
    connect_timeout: float = 3.0,
    private_networks: bool | None = None,
) -> tuple[bytes, str | None, str | None]:
    """GET `url`; return (content, media type without parameters, file name).

    Raises UnsafeUrl (including UnresolvableHost) before connecting, FetchError for anything after.
    `timeout` is the total from connecting to the last byte; DNS resolution is left to the system resolver.
    `private_networks` overrides HELPDESK_WEBHOOK_ALLOW_PRIVATE_NETWORKS for this request (the image proxy
    has its own setting: opening webhooks to an intranet must not open it to URLs in customers' emails).
    """
    target, addresses = _check(url, resolve=True, private_networks=private_networks)
    with _Deadline(timeout) as deadline:
        connection, response = _request(
            target, addresses, deadline, method="GET", body=None, headers={}, connect_timeout=connect_timeout
        )
        try:
            if 300 <= response.status < 400:
                location = response.getheader("Location", "")
                raise FetchError(f"HTTP {response.status} redirect to {location!r} not followed")
            if not 200 <= response.status < 300:
                raise FetchError(f"HTTP {response.status} {response.reason}")
            if response.length is not None and response.length > max_bytes:
                raise FetchError(f"response of {response.length} bytes is larger than {max_bytes} bytes")
            chunks = []
            size = 0
            while chunk := response.read1(min(_READ_CHUNK, max_bytes + 1 - size)):
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(f"response is larger than {max_bytes} bytes")
                chunks.append(chunk)
            if response.length:
                deadline.remaining()
                raise FetchError(f"connection closed {response.length} bytes before the end of the body")
        except (OSError, http.client.HTTPException) as exc:
            deadline.remaining()
            raise FetchError(f"GET {target.host}: {exc!r}") from None
        finally:
            connection.close()
    content_type = (response.getheader("Content-Type") or "").split(";", 1)[0].strip().lower() or None
    return b"".join(chunks), content_type, _file_name(response, target)


def url_post(
    url: str,
    *,
    body: bytes,
    headers: dict[str, str],
    timeout: float = 15.0,
    connect_timeout: float = 3.0,
    max_response_bytes: int = 2048,
) -> tuple[int, dict[str, str], bytes, float]:
    """POST `body` to `url`; return (status, response headers, start of the body, seconds taken).

    Any status is returned, 3xx included (never followed). Header names are lower-cased, repeated headers
    joined with ", ". Once the status has arrived, a failure while reading the body only shortens the body
    returned. The duration includes resolving and checking the URL.
    """
    started = time.monotonic()
    if any(name.lower() == "host" for name in headers):
        raise ValueError("the Host header comes from the URL")
    target, addresses = _check(url, resolve=True)
    reusable = False
    with _Deadline(timeout) as deadline:
        connection, response = _request(
            target,
            addresses,
            deadline,
            method="POST",
            body=body,
            headers=headers,
            connect_timeout=connect_timeout,
            keep_alive=True,
        )
        try:
            response_headers: dict[str, str] = {}
            for name, value in response.getheaders():
                key = name.lower()
                response_headers[key] = f"{response_headers[key]}, {value}" if key in response_headers else value
            chunks = []
            size = 0
            try:
                while size < max_response_bytes and (
                    chunk := response.read1(min(_READ_CHUNK, max_response_bytes - size))
                ):
                    chunks.append(chunk)
                    size += len(chunk)
                # Read to its end (the body fit the limit) and not asked to close: the connection can carry more.
                reusable = not response.will_close and (response.isclosed() or response.length == 0)
                response.close()  # the response's file, not the socket: http.client's keep-alive
            except (OSError, http.client.HTTPException):
                pass
        finally:
            if not reusable:
                connection.close()
    if reusable and not deadline.expired:
        _idle_connections.give(_pool_key(target, addresses), connection)
    else:
        connection.close()
    return response.status, response_headers, b"".join(chunks), time.monotonic() - started
