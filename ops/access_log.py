"""gunicorn's logger, for the web process: no resume token and no client address in its lines.

gunicorn writes its access log (when ``--access-logfile`` is given) and its error log itself,
outside Django's logging: the request line, the URL, the referer and the client address are
all in its default access format, and a failed request is logged with its URI. A patient's
resume link is a secret in a URL path, a query string may hold a patient's email (the admin's
search), both masked as :mod:`ops.logging` masks them, and a client address is an
identifier. ``gunicorn.conf.py`` at the repository root selects this class
(``logger_class``), so every ``gunicorn config.wsgi`` started from there uses it.
"""

from gunicorn import glogging

from ops.logging import RedactSecretPaths, redact_paths

#: Atoms (and request headers and environ variables) that carry the client's address.
QUERY_ATOMS = ("q", "{query_string}e")
ADDRESS_ATOMS = ("h", "{remote_addr}e", "{x-forwarded-for}i", "{x-real-ip}i", "{forwarded}i")


class GunicornLogger(glogging.Logger):
    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, RedactSecretPaths) for f in log.filters):
                log.addFilter(RedactSecretPaths())

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if isinstance(value, str):
                atoms[key] = redact_paths(value)
        for key in QUERY_ATOMS:  # a bare query string, without its "?"
            if atoms.get(key):
                atoms[key] = redact_paths("?" + atoms[key])[1:]
        for key in ADDRESS_ATOMS:
            if key in atoms:
                atoms[key] = "-"
        return atoms
