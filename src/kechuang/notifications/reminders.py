"""The reminder loop: a thread of ``kechuang worker`` that sends due reminders once a minute."""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections, connection

from kechuang.notifications.services import send_due_reminders

logger = logging.getLogger(__name__)
INTERVAL_SECONDS = 60.0


class ReminderLoop(threading.Thread):
    """Calls :func:`send_due_reminders` every ``interval`` seconds until :meth:`stop`.

    A failed round is logged and tried again next time; it never stops the loop. The thread's
    database connection is checked between rounds (a connection past its age or broken by a
    database restart is replaced) and closed when the loop ends.
    """

    def __init__(self, *, interval: float = INTERVAL_SECONDS) -> None:
        super().__init__(name="notification-reminders", daemon=True)
        self.interval = interval
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                close_old_connections()
                try:
                    sent = send_due_reminders()
                except Exception:
                    logger.exception("sending due reminders failed; retrying in %s s", self.interval)
                else:
                    if sent:
                        logger.info("sent %d due reminder(s)", sent)
                self.stopping.wait(self.interval)
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopping.set()
