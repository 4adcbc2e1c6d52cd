"""Append → receipt latency under a steady load: a producer, a poller and a sequencer, in one Django process.

A producer thread commits ``rate × tick`` evidence entries every ``tick`` (one transaction each, on a
fixed schedule that catches up when late). A poller thread tails the log by leaf index, as a
notifier would (one query per look, every 2 ms when nothing is new), and builds each new entry's
receipt with ``selectors.receipt_text``. The sequencer is a thread of the same process, or a process
of its own as ``kechuang worker`` runs it beside the web workers. Entries committed during the
warm-up are not counted; each counted entry gives two latencies, from its commit to its leaf being
seen and to its receipt being built. Needs ``django.setup()`` first.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.ledger_data import evidence, summary

SEQUENCER_INTERVAL = 0.005  # the sequencer's idle wait between looks at an empty queue, in seconds
POLL_INTERVAL = 0.002
DRAIN_SECONDS = 30.0  # how long the poller waits for the last entries after the producer stops


class SequencerProcess:
    """A ``Sequencer`` in a child process (``benchmarks/ledger.py --db sequencer``), with this process's settings."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        script = Path(__file__).resolve().parent / "ledger.py"
        self.process = subprocess.Popen(
            [sys.executable, str(script), "--db", "sequencer"], env=os.environ, stdout=subprocess.PIPE, text=True
        )
        if self.process.stdout is None or self.process.stdout.readline().strip() != "ready":
            raise RuntimeError("the sequencer process did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)

    def join(self) -> None:
        if self.process is not None:
            self.process.wait(timeout=60)


def run_sequencer() -> None:
    """The child of ``SequencerProcess``: a sequencer until SIGTERM (``django.setup()`` done by the caller)."""
    from kechuang.ledger.services.sequencer import Sequencer

    sequencer = Sequencer(interval=SEQUENCER_INTERVAL)
    signal.signal(signal.SIGTERM, lambda _number, _frame: sequencer.stop())
    print("ready", flush=True)
    sequencer.run()


class LatencyRun:
    """One latency run; ``pollers`` > 0 builds the receipts in that many processes instead of one thread."""

    def __init__(
        self, *, rate: int, seconds: float, warmup: float, pollers: int = 0, tick: float = 0.01, seed: int = 2
    ) -> None:
        self.rate, self.seconds, self.warmup, self.tick = rate, seconds, warmup, tick
        self.per_tick = max(1, round(rate * tick))
        self.rng = random.Random(seed)
        self.context = multiprocessing.get_context("spawn")  # a forked child would share Django's connections
        self.reports: list[Any] = [self.context.Queue() for _ in range(pollers)] if pollers else [queue.Queue()]
        self.seen_ms: list[float] = []
        self.receipt_ms: list[float] = []
        self.produced = 0
        self.failures: list[str] = []
        self.start = self.measure_from = self.until = 0.0

    def produce(self) -> None:
        from django.db import connection, transaction

        from kechuang.ledger.evidence import EVIDENCE
        from kechuang.ledger.services.records import record_many

        shares = len(self.reports)
        try:
            number = 0
            while (due := self.start + number * self.tick) < self.until:
                delay = due - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                payloads = [evidence(number * self.per_tick + k, self.rng) for k in range(self.per_tick)]
                with transaction.atomic():
                    entries = record_many(kind=EVIDENCE.name, payloads=payloads)
                moment = time.perf_counter()  # CLOCK_MONOTONIC: comparable across the poller processes
                for share, reports in enumerate(self.reports):
                    reports.put(([entry.pk for entry in entries if entry.pk % shares == share], moment))
                if moment >= self.measure_from:
                    self.produced += len(entries)
                number += 1
        except Exception as error:  # reported in the figures, never a silent hang
            self.failures.append(f"producer: {type(error).__name__}: {error}")
        finally:
            for reports in self.reports:
                reports.put(None)
            connection.close()

    def _count(self, moment: float, seen: float, done: float) -> None:
        if moment >= self.measure_from:
            self.seen_ms.append(1000 * (seen - moment))
            self.receipt_ms.append(1000 * (done - moment))

    def _collect(self, reports: Any, waiting: dict[int, float], early: dict[int, tuple[float, float]]) -> bool:
        """Take the producer's reports into ``waiting``; False when this call took its end mark. A leaf seen
        before its commit was reported (the sequencer can be that quick) waits in ``early``, counted here."""
        producing = True
        while True:
            try:
                item = reports.get_nowait()
            except queue.Empty:
                return producing
            if item is None:
                producing = False
                continue
            pks, moment = item
            for pk in pks:
                if pk in early:
                    self._count(moment, *early.pop(pk))
                else:
                    waiting[pk] = moment

    def poll(self, share: int = 0) -> None:
        """Build the receipt of every new entry whose key falls in ``share`` (of ``len(self.reports)``)."""
        from django.db import connection

        from kechuang.ledger import selectors
        from kechuang.ledger.models import Entry, Leaf

        shares, reports = len(self.reports), self.reports[share]
        waiting: dict[int, float] = {}
        early: dict[int, tuple[float, float]] = {}
        last = Leaf.objects.order_by("-index").values_list("index", flat=True).first()
        following = 0 if last is None else last + 1
        stop_by = float("inf")
        try:
            while stop_by == float("inf") or waiting:
                if not self._collect(reports, waiting, early) and stop_by == float("inf"):
                    stop_by = time.perf_counter() + DRAIN_SECONDS
                if time.perf_counter() > stop_by:
                    self.failures.append(f"poller: {len(waiting)} entries not integrated {DRAIN_SECONDS:g} s after")
                    return
                new = list(
                    Entry.objects.select_related("leaf").filter(leaf__index__gte=following).order_by("leaf__index")
                )
                if not new:
                    time.sleep(POLL_INTERVAL)
                    continue
                seen = time.perf_counter()
                for entry in new:
                    if entry.pk % shares != share:
                        continue
                    selectors.receipt_text(entry)
                    done = time.perf_counter()
                    if entry.pk in waiting:
                        self._count(waiting.pop(entry.pk), seen, done)
                    else:
                        early[entry.pk] = (seen, done)
                following = new[-1].leaf.index + 1
        except Exception as error:
            self.failures.append(f"poller: {type(error).__name__}: {error}")
        finally:
            connection.close()

    def _start_pollers(self) -> tuple[list[Any], Any]:
        results = self.context.Queue()
        children = [
            self.context.Process(target=_poller_process, args=(self, share, results), name=f"poller-{share}")
            for share in range(len(self.reports))
        ]
        for child in children:
            child.start()
        for _child in children:
            if results.get(timeout=60) != "ready":
                raise RuntimeError("a poller process did not start")
        return children, results

    def run(self, *, process: bool) -> dict[str, Any]:
        from kechuang.ledger.models import Checkpoint
        from kechuang.ledger.services.sequencer import Sequencer

        before = Checkpoint.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        children: list[Any] = []
        results: Any = None
        if process:
            children, results = self._start_pollers()
        sequencer: Sequencer | SequencerProcess = (
            SequencerProcess() if process else Sequencer(interval=SEQUENCER_INTERVAL)
        )
        sequencer.start()
        self.start = time.perf_counter() + 0.2
        self.measure_from, self.until = self.start + self.warmup, self.start + self.warmup + self.seconds
        for reports in self.reports if process else ():
            reports.put(self.measure_from)  # the pollers' first message: from when to count
        threads = [threading.Thread(target=self.produce, name="producer")]
        if not process:
            threads.append(threading.Thread(target=self.poll, name="poller"))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for _child in children:
            seen_ms, receipt_ms, failures = results.get(timeout=DRAIN_SECONDS + 30)
            self.seen_ms += seen_ms
            self.receipt_ms += receipt_ms
            self.failures += failures
        for child in children:
            child.join(timeout=30)
        sequencer.stop()
        sequencer.join()
        result: dict[str, Any] = {
            "sequencer": "process" if process else "thread",
            "pollers": len(children),
            "rate": self.rate,
            "seconds": self.seconds,
            "warmup": self.warmup,
            "achieved_per_s": self.produced / self.seconds,
            "measured": len(self.receipt_ms),
            "checkpoints_per_s": Checkpoint.objects.filter(pk__gt=before).count() / (self.warmup + self.seconds),
            "failures": self.failures,
        }
        if self.receipt_ms:
            result["seen"] = summary(self.seen_ms)
            result["receipt"] = summary(self.receipt_ms)
        if integrated := self._integrated_ms():
            result["integrated"] = summary(integrated)
        return result

    def _integrated_ms(self) -> list[float]:
        """``Leaf.integrated_at`` − ``Entry.recorded_at`` of the counted entries: the sequencer's share of the
        latency, whoever polls (both stamps are taken before their transaction commits)."""
        from kechuang.ledger.models import Leaf

        offset = time.time() - time.perf_counter()  # perf_counter → wall clock, for the rows' timestamps
        begin = datetime.fromtimestamp(self.measure_from + offset, tz=UTC)
        end = datetime.fromtimestamp(self.until + offset, tz=UTC)
        stamps = Leaf.objects.filter(entry__recorded_at__gte=begin, entry__recorded_at__lt=end).values_list(
            "integrated_at", "entry__recorded_at"
        )
        return [(integrated - recorded).total_seconds() * 1000 for integrated, recorded in stamps]

    def __getstate__(self) -> dict[str, Any]:
        """What a poller process needs: the queues and the schedule (no random state, no results)."""
        return {"reports": self.reports, "tick": self.tick}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.reports, self.tick = state["reports"], state["tick"]
        self.seen_ms, self.receipt_ms, self.failures = [], [], []
        self.measure_from = 0.0


def _poller_process(run: LatencyRun, share: int, results: Any) -> None:
    """A poller in a process of its own, as a web worker would build receipts: report its latencies at the end."""
    import django

    django.setup()
    results.put("ready")
    run.measure_from = run.reports[share].get()
    run.poll(share)
    results.put((run.seen_ms, run.receipt_ms, run.failures))


POLLER_PROCESSES = 2  # as many as the reference machine has cores, like gunicorn's workers in docs/benchmarks.md


def measure_latency(*, rate: int, seconds: float, warmup: float, process: bool = False) -> dict[str, Any]:
    """Offer ``rate`` appends/s for ``warmup + seconds`` and time each counted entry's receipt (see the module).

    With ``process`` the sequencer and the pollers run in processes of their own, as deployed.
    """
    return LatencyRun(rate=rate, seconds=seconds, warmup=warmup, pollers=POLLER_PROCESSES if process else 0).run(
        process=process
    )
