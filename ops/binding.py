"""Which addresses a server binds: loopback only, or beyond (no Django import: gunicorn.conf.py
and config/settings.py both use it)."""

import ipaddress

LOOPBACK_NAMES = {"localhost", "ip6-localhost"}


def _host(address: str) -> str:
    if address.startswith("unix:") or address.startswith("fd://"):
        return "localhost"  # a socket file or an inherited descriptor: not a network address
    if address.startswith("["):  # [::1]:8000
        return address[1 : address.index("]")]
    host, sep, _port = address.rpartition(":")
    return host if sep else address


def is_loopback(address: str) -> bool:
    host = _host(address.strip())
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name other than localhost, or empty (every interface)


def non_loopback(bind: str | list[str]) -> list[str]:
    """The addresses in ``bind`` (a list, or comma-separated) that reach beyond this machine."""
    addresses = bind.split(",") if isinstance(bind, str) else bind
    return [a.strip() for a in addresses if a.strip() and not is_loopback(a)]
