"""The ``kechuang`` console command: run the demo, serve, work the task queue, seed, administer.

Django is set up only by the sub-commands that need it, so ``kechuang --help`` answers at once
and ``kechuang serve`` hands the process straight to gunicorn.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

SETTINGS_MODULE = "kechuang.settings"
WSGI_APPLICATION = "kechuang.wsgi:application"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
MAX_WORKERS = 8
# The search helper's rebuild command; `demo` runs it once it exists.
# How long `demo` waits for gunicorn to accept connections before it prints the logins anyway.
STARTUP_TIMEOUT = 60.0


class CommandFailedError(Exception):
    """A sub-command's refusal, printed as one line on stderr with exit status 1."""


# ---------------------------------------------------------------- pure helpers (tested without a server)


def default_workers(cpus: int | None = None) -> int:
    """Gunicorn's rule of thumb, 2 × cores + 1, capped so a small database is not swamped."""
    count = cpus if cpus is not None else (os.cpu_count() or 1)
    return min(2 * count + 1, MAX_WORKERS)


def local_host(host: str) -> str:
    """Where to reach a server bound to ``host`` from this machine (an any-address bind answers on loopback)."""
    return {"0.0.0.0": DEFAULT_HOST, "::": "::1", "": DEFAULT_HOST}.get(host, host)  # noqa: S104


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


def gunicorn_argv(*, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, workers: int | None = None) -> list[str]:
    """The command line that serves the platform with gunicorn (extra options: ``GUNICORN_CMD_ARGS``)."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        WSGI_APPLICATION,
        "--bind",
        bind_address(host, port),
        "--workers",
        str(workers or default_workers()),
        "--access-logfile",
        "-",
        "--error-logfile",
        "-",
        # Several servers on one machine (a demo beside the tests) must not fight over one control socket.
        "--no-control-socket",
    ]


def worker_argv() -> list[str]:
    """The command line of the background task worker."""
    return [sys.executable, "-m", "kechuang.cli", "worker"]


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: CJK characters are two wide."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [cell + " " * (width - display_width(cell)) for cell, width in zip(row, widths, strict=True)]
        lines.append("  " + "  ".join(cells).rstrip())
    return "\n".join(lines)


# ---------------------------------------------------------------- Django


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    from django.apps import apps

    if not apps.ready:
        import django

        django.setup()


def _call(command: str, /, *args: str, **options: object) -> None:
    setup_django()
    from django.core.management import call_command
    from django.core.management.base import CommandError

    try:
        call_command(command, *args, **options)
    except CommandError as exc:
        raise CommandFailedError(str(exc)) from exc


def _migrate() -> None:
    _call("migrate", interactive=False, verbosity=1)


# ---------------------------------------------------------------- sub-commands


def cmd_serve(args: argparse.Namespace) -> int:
    argv = gunicorn_argv(host=args.host, port=args.port, workers=args.workers)
    sys.stdout.flush()
    os.execv(argv[0], argv)  # noqa: S606 - our own interpreter running gunicorn, no shell
    return 0  # pragma: no cover - execv does not return


def start_sequencer() -> Any:
    """The ledger's sequencer as a thread of this process, asking the configured witnesses after each batch."""
    from django.conf import settings

    from kechuang.ledger.services import Sequencer
    from kechuang.ledger.services.witnesses import cosign_after_batch

    sequencer = Sequencer(after_batch=cosign_after_batch if settings.LEDGER_WITNESSES else None)
    sequencer.start()
    return sequencer


def start_reminders() -> Any:
    """The notification centre's reminder loop (due reminders, once a minute) as a thread of this process."""
    from kechuang.notifications.reminders import ReminderLoop

    loop = ReminderLoop()
    loop.start()
    return loop


def start_idle_alerts() -> Any:
    """The transfer app's idle-clock check (北京条例 §11, hourly) as a thread of this process."""
    from kechuang.transfer.idle_alerts import IdleAlertLoop

    loop = IdleAlertLoop()
    loop.start()
    return loop


def cmd_worker(rest: Sequence[str]) -> int:
    """Run django-tasks-db's ``db_worker`` with any of its options, the ledger's sequencer, the
    reminder loop and the idle-achievement check beside it."""
    setup_django()
    from django.core.management import load_command_class

    sequencer = start_sequencer()
    reminders = start_reminders()
    idle_alerts = start_idle_alerts()
    try:
        load_command_class("django_tasks_db", "db_worker").run_from_argv(["kechuang", "worker", *rest])
    finally:
        idle_alerts.stop()
        reminders.stop()
        sequencer.stop()
    return 0


def cmd_manage(rest: Sequence[str]) -> int:
    """Django's own management utility: ``kechuang manage createsuperuser`` and friends."""
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["kechuang manage", *rest])
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    _migrate()
    _call("seed_demo", verbosity=1)
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    _call("accounts_token", args.username, name=args.name)
    return 0


def cmd_make_operator(args: argparse.Namespace) -> int:
    _call("make_operator", args.username)
    return 0


def _text_or_file(value: str) -> str:
    """A verifier key given inline or as the path of a file holding it."""
    path = Path(value)
    return path.read_text(encoding="utf-8").strip() if path.is_file() else value.strip()


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise CommandFailedError(f"cannot read {path}: {exc.strerror}") from None


def cmd_ledger_verify(args: argparse.Namespace) -> int:
    """Offline: no settings, no database, no network."""
    from kechuang.ledger.offline import check
    from kechuang.ledger.tlog.proof import ReceiptError

    receipt = _read(args.receipt).decode("utf-8", errors="replace")
    try:
        verdict = check(
            receipt,
            _text_or_file(args.vkey),
            witness_keys=[_text_or_file(key) for key in args.witness],
            min_witnesses=args.min_witnesses,
            file=_read(args.entry) if args.entry else None,
        )
    except ReceiptError as exc:
        print(f"FAILED: {exc}")
        return 1
    print("OK: " + "\n    ".join(verdict.proved))
    return 0


def cmd_ledger_keygen(args: argparse.Namespace) -> int:
    setup_django()
    from django.conf import settings

    from kechuang.ledger.keys import write_key

    path = Path(args.out) if args.out else Path(settings.LEDGER_KEY_FILE)
    origin = args.origin or settings.LEDGER_ORIGIN
    try:
        vkey = write_key(path, origin, overwrite=args.force)
    except FileExistsError as exc:
        raise CommandFailedError(str(exc)) from None
    print(f"wrote the signing key of {origin} to {path} (keep it secret)", file=sys.stderr)
    print(vkey)
    return 0


def cmd_ledger_audit(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.management import call_command
    from django.core.management.base import CommandError

    try:
        call_command("ledger_audit", quiet=args.quiet)
    except CommandError as exc:
        print(f"kechuang: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_search_reindex(args: argparse.Namespace) -> int:
    _call("search_reindex", *args.kinds)
    return 0


def cmd_notifications_remind(args: argparse.Namespace) -> int:
    _call("notifications_remind")
    return 0


def cmd_review_assign(args: argparse.Namespace) -> int:
    """Offline: openreview-matcher's files in, an optimal assignment out; no settings, no database."""
    from kechuang.review.assignment import Infeasible
    from kechuang.review.matcher_files import FileFormatError, Request, alternates_path, assign_files, describe

    request = Request(
        scores=Path(args.scores),
        out=Path(args.out),
        demand=args.demand,
        max_load=args.max_load,
        constraints=Path(args.constraints) if args.constraints else None,
        min_load=args.min_load,
        alternates=args.alternates,
        attributes=Path(args.attributes) if args.attributes else None,
        require_industry=args.require_industry,
        distinct_organizations=args.distinct_organizations,
    )
    try:
        run = assign_files(request)
    except (FileFormatError, ValueError) as exc:
        raise CommandFailedError(str(exc)) from None
    except Infeasible as exc:
        print(f"kechuang: infeasible: {describe(exc)}", file=sys.stderr)
        return 2
    reviews = sum(len(reviewers) for reviewers in run.solution.assignment.values())
    seconds = ", ".join(f"{phase} {value:.2f} s" for phase, value in run.seconds.items())
    also = f" and {alternates_path(request.out)}" if request.alternates else ""
    print(
        f"assigned {reviews} reviews to {len(run.problem.items)} items by {run.solution.method}, total affinity "
        f"{run.solution.total:.6f} ({seconds}); wrote {request.out}{also}",
        file=sys.stderr,
    )
    return 0


def cmd_ledger_sequence(args: argparse.Namespace) -> int:
    setup_django()
    from kechuang.ledger.services import integrate_all

    print(f"integrated {integrate_all()} entries")
    return 0


def cmd_ledger_witness(rest: Sequence[str]) -> int:
    from kechuang.ledger.tlog.witness import run_witness

    return run_witness(list(rest))


def cmd_openapi(args: argparse.Namespace) -> int:
    _call("openapi")
    return 0


def ensure_ledger_key() -> None:
    """The demo's log needs a signing key: write one under VAR_DIR the first time (never replace one)."""
    from django.conf import settings

    from kechuang.ledger.keys import write_key

    path = Path(settings.LEDGER_KEY_FILE)
    if not settings.LEDGER_KEY and not path.exists():
        vkey = write_key(path, settings.LEDGER_ORIGIN)
        print(f"kechuang: wrote the ledger's signing key to {path}; verifier key {vkey}", file=sys.stderr)


def prepare_demo() -> None:
    """Everything ``demo`` does before it starts processes: migrate, static files, the demo region, the index."""
    _migrate()
    _call("collectstatic", interactive=False, verbosity=0)
    ensure_ledger_key()
    _call("seed_demo", verbosity=1)
    _call("ledger_seed_demo", verbosity=1)
    _call("challenges_seed_demo", verbosity=1)
    _call("transfer_seed_demo", verbosity=1)
    _call("search_reindex")


def demo_banner(*, host: str, port: int) -> str:
    """The URL and the table of demo logins with their password."""
    setup_django()
    from django.conf import settings
    from django.utils.translation import gettext as _

    from kechuang.accounts.demo import demo_logins, demo_password
    from kechuang.accounts.enums import Role
    from kechuang.core.i18n import localized

    url = f"http://{bind_address(local_host(host), port)}/"
    password = demo_password()
    rows = [[_("login"), _("password"), _("role"), _("organization")]]
    rows += [
        [login.username, password, str(Role(login.role).label), localized(login.organization)]
        for login in demo_logins()
    ]
    return "\n".join(
        [
            "",
            _("kechuang demo is running at %(url)s") % {"url": url},
            _("Admin: %(url)sadmin/    API docs: %(url)sapi/v1/docs") % {"url": url},
            "",
            format_table(rows),
            "",
            _("The experts' accounts use the same password. Press Ctrl-C to stop."),
            _("E-mails (password resets, notifications) are written to %(path)s.") % {"path": settings.EMAIL_FILE_PATH}
            if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend")
            else "",
            "",
        ]
    )


class _TerminatedError(Exception):
    """SIGTERM or SIGHUP arrived: stop the server and the worker."""


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise _TerminatedError


def _wait_until_listening(server: subprocess.Popen[bytes], host: str, port: int) -> bool:
    target = local_host(host)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with socket.create_connection((target, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.2)
    return server.poll() is None


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_demo_processes(*, host: str, port: int, workers: int | None) -> int:
    """Start the worker and gunicorn as children, print the logins, and stop both on Ctrl-C, SIGTERM or SIGHUP."""
    from django.db import connections

    connections.close_all()  # the children open their own
    stopping_signals = (signal.SIGTERM, signal.SIGHUP)
    previous = {signum: signal.signal(signum, _raise_stop) for signum in stopping_signals}
    children: list[subprocess.Popen[bytes]] = []
    interrupted = False
    try:
        # Own process groups: a Ctrl-C reaches only this process, which then stops each child once.
        worker = subprocess.Popen(worker_argv(), process_group=0)
        children.append(worker)
        server = subprocess.Popen(gunicorn_argv(host=host, port=port, workers=workers), process_group=0)
        children.insert(0, server)
        if _wait_until_listening(server, host, port):
            print(demo_banner(host=host, port=port), flush=True)
        worker_reported = False
        while server.poll() is None:
            time.sleep(0.5)
            if worker.poll() is not None and not worker_reported:
                print(f"kechuang: the task worker stopped (exit status {worker.returncode}).", file=sys.stderr)
                worker_reported = True
    except (KeyboardInterrupt, _TerminatedError):
        interrupted = True
    finally:
        for child in children:  # the server first, so no request starts a task the worker will not run
            _stop(child)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 0 if interrupted else (children[0].returncode or 0)


def ensure_port_free(host: str, port: int) -> None:
    """Refuse to start when something already listens on the port, rather than point the user at it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            raise CommandFailedError(
                f"port {port} on {host} is already in use; stop what runs there or choose another with --port"
            ) from None


def cmd_demo(args: argparse.Namespace) -> int:
    ensure_port_free(args.host, args.port)
    # Links in e-mails (password reset) must point at the port the demo really serves.
    os.environ.setdefault("KECHUANG_SITE_URL", f"http://{bind_address(local_host(args.host), args.port)}")
    # The demo's many notification e-mails go to files under var/mail, not over the console banner.
    os.environ.setdefault("KECHUANG_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
    setup_django()
    prepare_demo()
    return run_demo_processes(host=args.host, port=args.port, workers=args.workers)


# ---------------------------------------------------------------- argument parsing

# Sub-commands whose arguments go unparsed to Django, so every option of the wrapped command works.
PASSTHROUGH: dict[str, Callable[[Sequence[str]], int]] = {"manage": cmd_manage, "worker": cmd_worker}


def _port(text: str) -> int:
    port = int(text)
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"{text} is not a TCP port")
    return port


def _positive(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return number


def _add_server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default: {DEFAULT_HOST})")
    parser.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"TCP port (default: {DEFAULT_PORT})")
    parser.add_argument(
        "--workers",
        type=_positive,
        default=None,
        help=f"gunicorn worker processes (default: 2 × cores + 1, at most {MAX_WORKERS})",
    )


def _add_notifications_commands(commands: Any) -> None:
    notifications = commands.add_parser("notifications", help="the notification centre")
    notification_commands = notifications.add_subparsers(dest="notifications_command", metavar="ACTION", required=True)
    remind = notification_commands.add_parser(
        "remind", help="send every due reminder now (the worker does each minute)"
    )
    remind.set_defaults(handler=cmd_notifications_remind)


def _add_review_commands(commands: Any) -> None:
    """``kechuang review assign``: kept apart so ``build_parser`` stays readable."""
    review = commands.add_parser("review", help="expert review: reviewer assignment from files")
    review_commands = review.add_subparsers(dest="review_command", metavar="ACTION", required=True)
    assign = review_commands.add_parser(
        "assign", help="optimal reviewer assignment from openreview-matcher's files (no database)"
    )
    assign.add_argument("--scores", required=True, help="CSV lines item,reviewer,score (no header)")
    assign.add_argument("--constraints", help="CSV lines item,reviewer,-1|1 (-1 conflict, 1 forced, 0 ignored)")
    assign.add_argument("--demand", type=_positive, required=True, help="reviews per item")
    assign.add_argument("--max-load", type=_positive, required=True, help="most items per reviewer")
    assign.add_argument("--min-load", type=int, default=0, help="fewest items per reviewer (default: 0)")
    assign.add_argument("--alternates", type=int, default=0, help="alternates per item, to <out stem>.alternates.json")
    assign.add_argument("--attributes", help="CSV lines reviewer,organization,industry(1|0) for the panel rules")
    assign.add_argument("--require-industry", action="store_true", help="at least one industry reviewer per item")
    assign.add_argument(
        "--distinct-organizations", action="store_true", help="no two reviewers from one organisation on an item"
    )
    assign.add_argument("--out", required=True, help="JSON file for {item: [reviewer, …]}")
    assign.set_defaults(handler=cmd_review_assign)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kechuang",
        description="kechuang (科创): the operating platform of a regional S&T innovation center.",
        epilog="Settings come from KECHUANG_* environment variables; see .env.example.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser(
        "demo", help="migrate, load the demo region, start the worker and serve, printing the demo logins"
    )
    _add_server_options(demo)
    demo.set_defaults(handler=cmd_demo)

    serve = commands.add_parser("serve", help="serve the platform with gunicorn")
    _add_server_options(serve)
    serve.set_defaults(handler=cmd_serve)

    commands.add_parser(
        "worker", help="run the background task worker (django-tasks-db's db_worker; its options pass through)"
    )

    seed = commands.add_parser("seed-demo", help="migrate and load the demo region; running it again adds nothing")
    seed.set_defaults(handler=cmd_seed_demo)

    accounts = commands.add_parser("accounts", help="account administration: access tokens, operators")
    account_commands = accounts.add_subparsers(dest="accounts_command", metavar="ACTION", required=True)
    token = account_commands.add_parser("token", help="print a new personal access token for a user")
    token.add_argument("username")
    token.add_argument("--name", default="command line", help="what the token is for (default: command line)")
    token.set_defaults(handler=cmd_token)
    operator = account_commands.add_parser("make-operator", help="make a user an operator of the platform")
    operator.add_argument("username")
    operator.set_defaults(handler=cmd_make_operator)

    ledger = commands.add_parser("ledger", help="the transparency log: keys, offline verification, audit, witness")
    ledger_commands = ledger.add_subparsers(dest="ledger_command", metavar="ACTION", required=True)
    keygen = ledger_commands.add_parser("keygen", help="write a new signing key for the log and print its vkey")
    keygen.add_argument("--origin", help="the log's origin, which names the key (default: KECHUANG_LEDGER_ORIGIN)")
    keygen.add_argument("--out", help="where to write the key (default: KECHUANG_LEDGER_KEY_FILE)")
    keygen.add_argument("--force", action="store_true", help="replace an existing key file")
    keygen.set_defaults(handler=cmd_ledger_keygen)
    verify = ledger_commands.add_parser("verify", help="check a receipt offline (no account, no network)")
    verify.add_argument("receipt", help="a c2sp.org/tlog-proof@v1 file")
    verify.add_argument("--vkey", required=True, help="the log's verifier key, or a file holding it")
    verify.add_argument("--entry", help="the entry's bytes, the notarised document, or a disclosure to tie to it")
    verify.add_argument("--witness", action="append", default=[], help="a witness vkey (repeatable)")
    verify.add_argument("--min-witnesses", type=int, default=0, help="cosignatures required (default: 0)")
    verify.set_defaults(handler=cmd_ledger_verify)
    audit = ledger_commands.add_parser("audit", help="recompute every leaf, tile and root from the stored entries")
    audit.add_argument("--quiet", action="store_true", help="print only problems")
    audit.set_defaults(handler=cmd_ledger_audit)
    sequence = ledger_commands.add_parser("sequence", help="integrate every pending entry now")
    sequence.set_defaults(handler=cmd_ledger_sequence)
    ledger_commands.add_parser("witness", help="run a tlog-witness (its options: kechuang ledger witness --help)")

    search = commands.add_parser("search", help="the search index")
    search_commands = search.add_subparsers(dest="search_command", metavar="ACTION", required=True)
    reindex = search_commands.add_parser("reindex", help="rebuild the search index from the database")
    reindex.add_argument("kinds", nargs="*", help="only these kinds (default: all)")
    reindex.set_defaults(handler=cmd_search_reindex)

    _add_notifications_commands(commands)

    _add_review_commands(commands)

    openapi = commands.add_parser("openapi", help="print the OpenAPI schema of /api/v1")
    openapi.set_defaults(handler=cmd_openapi)

    commands.add_parser("manage", help="run a Django management command, e.g. `kechuang manage createsuperuser`")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``kechuang`` script; returns the exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        if arguments and arguments[0] in PASSTHROUGH:
            return PASSTHROUGH[arguments[0]](arguments[1:])
        if arguments[:2] == ["ledger", "witness"]:
            return cmd_ledger_witness(arguments[2:])
        parser = build_parser()
        namespace = parser.parse_args(arguments)
        if namespace.command is None:
            parser.print_help()
            return 2
        handler: Callable[[argparse.Namespace], int] = namespace.handler
        return handler(namespace)
    except CommandFailedError as exc:
        print(f"kechuang: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
