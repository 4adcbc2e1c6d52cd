"""The idle-clock loop: a thread of ``kechuang worker`` that runs the §11 check once an hour.

The check itself (:func:`kechuang.transfer.services.achievements.send_idle_alerts`) alerts each result
once, so checking hourly rather than at a fixed time of day only makes the alert arrive within the
hour after the anniversary, and a worker restarted at any time catches up at once.
"""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections, connection

from kechuang.transfer.services.achievements import send_idle_alerts

logger = logging.getLogger(__name__)
INTERVAL_SECONDS = 3600.0


class IdleAlertLoop(threading.Thread):
    """Calls :func:`send_idle_alerts` every ``interval`` seconds until :meth:`stop`.

    A failed round is logged and tried again next time; it never stops the loop. The thread's database
    connection is checked between rounds and closed when the loop ends.
    """

    def __init__(self, *, interval: float = INTERVAL_SECONDS) -> None:
        super().__init__(name="transfer-idle-alerts", daemon=True)
        self.interval = interval
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                close_old_connections()
                try:
                    alerted = send_idle_alerts()
                except Exception:
                    logger.exception("the idle-achievement check failed; retrying in %s s", self.interval)
                else:
                    if alerted:
                        logger.info("alerted %d idle achievement(s)", alerted)
                self.stopping.wait(self.interval)
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopping.set()
