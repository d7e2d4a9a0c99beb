"""The client's address, as every per-client limit sees it: the API's throttles (DRF), the web
intake's post limit (intake.views) and the staff login lockout (django-axes,
``AXES_CLIENT_IP_CALLABLE``).

``settings.NUM_PROXIES`` says how many reverse proxies append to ``X-Forwarded-For``: with 0 the
header, which any client can set, is ignored and REMOTE_ADDR is the client; behind one proxy
(a TLS terminator) REMOTE_ADDR is the proxy's and the client is the last address it appended.
One rule for all three, DRF's (``BaseThrottle.get_ident``), so they cannot drift apart.
"""

from rest_framework.throttling import BaseThrottle


def client_address(request) -> str | None:
    return BaseThrottle().get_ident(request)
