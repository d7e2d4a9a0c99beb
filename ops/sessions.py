"""Session engine: Django's database sessions, without a transaction around an update.

Sessions are saved on every request (``SESSION_SAVE_EVERY_REQUEST``: the age is an idle
timeout), and Django wraps each save in ``transaction.atomic`` — a BEGIN and a COMMIT around
a single ``UPDATE`` on every staff page. The transaction is there so that a failed INSERT of
a new session cannot break an enclosing transaction; an update of an existing row is one
statement, atomic on its own, so it is sent alone. Creating a session is unchanged.
"""

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import DatabaseError, router


class SessionStore(DatabaseSessionStore):
    def save(self, must_create=False):
        if must_create or self.session_key is None:
            return super().save(must_create=must_create)
        obj = self.create_model_instance(self._get_session())
        using = router.db_for_write(self.model, instance=obj)
        try:
            obj.save(force_update=True, using=using)
        except DatabaseError as exc:  # the row is gone (expired, logged out elsewhere)
            raise UpdateError from exc
