"""Conflicts of interest for a whole call: 2,000 items × 5,000 reviewers through ``find_conflicts``.

For each database a fresh run of this script (``--db sqlite-inner`` / ``--db postgres-inner``, the
latter inside ``scripts/pg-throwaway``) migrates an empty database in a temporary directory, writes a
seeded synthetic population in bulk and times :func:`kechuang.review.conflicts.find_conflicts` over
every (item, reviewer) pair: the reads, the index build, the matching and the sentences, end to end.

The population (same seed, same rows on every machine):

* 3,000 organisations, sizes skewed (a few universities and big companies employ many people);
* 5,000 reviewers and about 6,000 applicant people (2 % of the reviewers also apply), each with an
  expert profile and a current affiliation, 0–3 earlier posts (2005–2025), an approved membership
  for a third of them, and 2–8 works (papers, patents, projects; 10 % undated), a third of which
  are shared with a colleague at the same organisation, so co-authorship clusters as it does;
* declared relations for 8 % of people (advisor/advisee, collaborator, family, other) and
  shareholdings for 2 % of reviewers;
* 2,000 items, each with 1–5 applicant people (3 on average), the organisation of its lead and one
  of 100 issuing companies.

The target is the issue's: ≤ 60 s for 2,000 × 5,000 (OpenReview's conflict build took 2 hours at
ECCV scale, ``reference/challenges_review.md`` §3.1).

    .venv/bin/python benchmarks/review_conflicts.py [--db all|sqlite|postgres] [--quick] [--write-docs]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import secrets
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script, the package above is not importable yet
    sys.path.insert(0, str(ROOT))

from benchmarks import csl, databases  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"
START_MARKER = "<!-- review-conflicts-bench:start -->"
END_MARKER = "<!-- review-conflicts-bench:end -->"
HEADING = "## Review: conflicts of interest for 2,000 items × 5,000 reviewers"
TARGET_SECONDS = 60.0
SEED = 20_250_601
TODAY = date(2025, 6, 1)
DATABASES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
# An unusable password as Django stores it ("!" and anything): no benchmark account can sign in.
UNUSABLE_PASSWORD = "!bench"  # noqa: S105 - not a secret


@dataclass(frozen=True)
class Sizes:
    reviewers: int = 5_000
    items: int = 2_000
    organizations: int = 3_000
    issuers: int = 100


FULL = Sizes()
QUICK = Sizes(reviewers=300, items=120, organizations=200, issuers=10)


def say(message: str) -> None:
    print(f"[conflicts-bench] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the population


def _organizations(rng: random.Random, sizes: Sizes) -> tuple[list[int], list[float]]:
    from kechuang.accounts.enums import OrganizationKind
    from kechuang.accounts.models import Organization

    organizations = Organization.objects.bulk_create(
        Organization(
            name={"zh-hans": f"测试机构{n:05d}", "en": f"Organisation {n:05d}"},
            sort_name=f"测试机构{n:05d}",
            kind=OrganizationKind.ENTERPRISE if n % 3 else OrganizationKind.UNIVERSITY,
            region="110108",
        )
        for n in range(sizes.organizations)
    )
    # Sizes skewed like a region's: weight 1/(rank+1)^0.6 gives a few big employers (the largest has
    # about 80 of the 5,000 reviewers) and a long tail of small companies.
    return [o.pk for o in organizations], [1 / (rank + 1) ** 0.6 for rank in range(len(organizations))]


def _people(rng: random.Random, sizes: Sizes, org_ids: list[int], weights: list[float]) -> list[Any]:
    """Reviewers first, then applicants; the last 2 % of reviewers are applicants too. Returns the profiles."""
    from kechuang.accounts.models import ExpertProfile, User

    count = sizes.reviewers + sizes.items * 3 - sizes.reviewers // 50
    users = User.objects.bulk_create(
        User(username=f"p{n:06d}", display_name=f"人员{n}", password=UNUSABLE_PASSWORD) for n in range(count)
    )
    return ExpertProfile.objects.bulk_create(
        ExpertProfile(
            user=user,
            name={"zh-hans": f"专家{n}", "en": f"Expert {n}"},
            sort_name=f"专家{n}",
            affiliation_id=rng.choices(org_ids, weights)[0],
        )
        for n, user in enumerate(users)
    )


def _careers(rng: random.Random, profiles: list[Any], org_ids: list[int], weights: list[float]) -> None:
    """0–3 earlier posts each (2005–2025) and an approved membership for a third of the people."""
    from kechuang.accounts.enums import MembershipStatus, Role
    from kechuang.accounts.models import Affiliation, Membership

    history, memberships = [], []
    for profile in profiles:
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            start = rng.randint(2005, 2022)
            organization = rng.choices(org_ids, weights)[0]
            history.append(
                Affiliation(
                    profile=profile,
                    organization_id=organization,
                    start_year=start,
                    end_year=rng.randint(start, 2025),
                    position="研究员",
                )
            )
        if rng.random() < 1 / 3:
            memberships.append(
                Membership(
                    user_id=profile.user_id,
                    organization_id=profile.affiliation_id,
                    role=Role.MEMBER,
                    status=MembershipStatus.APPROVED,
                )
            )
    Affiliation.objects.bulk_create(history, batch_size=5_000)
    Membership.objects.bulk_create(memberships, batch_size=5_000)


def _works(rng: random.Random, profiles: list[Any]) -> None:
    """2–8 works each; a third are shared with a colleague at the same organisation (written in upper case)."""
    from kechuang.accounts.models import Work

    by_org: dict[int, list[Any]] = {}
    for profile in profiles:
        by_org.setdefault(profile.affiliation_id, []).append(profile)
    works, serial = [], 0
    for profile in profiles:
        colleagues = by_org[profile.affiliation_id]
        for _ in range(rng.randint(2, 8)):
            serial += 1
            kind = rng.choices(("paper", "patent", "project"), (6, 2, 2))[0]
            identifier = {"paper": f"10.5555/bench.{serial}", "patent": f"{202000000000 + serial}"}.get(
                kind, f"2023YFB{serial:07d}"
            )
            year = None if rng.random() < 0.1 else rng.randint(2008, 2025)
            title = {"zh-hans": f"成果{serial}", "en": f"Work {serial}"}
            works.append(Work(profile=profile, kind=kind, identifier=identifier, year=year, title=title))
            other = rng.choice(colleagues)
            if rng.random() < 1 / 3 and other.pk != profile.pk:
                works.append(Work(profile=other, kind=kind, identifier=identifier.upper(), year=year, title=title))
    Work.objects.bulk_create(works, batch_size=5_000)


def _relations_and_shares(rng: random.Random, profiles: list[Any], reviewers: list[int], issuers: list[int]) -> None:
    """Relations declared by 8 % of people; shares held by 2 % of reviewers, half of them in an issuer."""
    from kechuang.accounts.enums import RelationKind
    from kechuang.accounts.models import Relation, Shareholding

    relations: dict[tuple[int, int, str], Any] = {}
    for profile in profiles:
        other = rng.choice(profiles)
        if rng.random() < 0.08 and other.pk != profile.pk:
            kind = rng.choices(list(RelationKind.values), (3, 3, 1, 3, 1))[0]
            until = rng.choice((None, rng.randint(2000, 2025)))
            relations[(profile.pk, other.pk, kind)] = Relation(
                from_profile=profile, to_profile=other, kind=kind, end_year=until
            )
    Relation.objects.bulk_create(relations.values(), batch_size=5_000)
    organizations = sorted({p.affiliation_id for p in profiles})
    holdings = {
        (rng.choice(issuers if rng.random() < 0.5 else organizations), user): rng.randint(1, 3_000)
        for user in rng.sample(reviewers, len(reviewers) // 50)
    }
    Shareholding.objects.bulk_create(
        Shareholding(organization_id=org, holder_user_id=user, share_bp=bp, as_of=TODAY)
        for (org, user), bp in holdings.items()
    )


def seed_population(sizes: Sizes, *, seed: int = SEED) -> tuple[list[int], dict[str, Any]]:
    """Write the synthetic population in bulk; return the reviewers' user ids and the items' parties.

    Benchmark set-up only: rows go in with ``bulk_create``, not through the services (which would
    write an audit event per row); the values are within what the services accept.
    """
    from django.db import transaction

    from kechuang.review.conflicts import Parties

    rng = random.Random(seed)
    with transaction.atomic():
        org_ids, weights = _organizations(rng, sizes)
        profiles = _people(rng, sizes, org_ids, weights)
        _careers(rng, profiles, org_ids, weights)
        _works(rng, profiles)
        reviewers = [p.user_id for p in profiles[: sizes.reviewers]]
        issuers = rng.sample(org_ids, sizes.issuers)
        _relations_and_shares(rng, profiles, reviewers, issuers)
    applicant_pool = list(profiles[sizes.reviewers - sizes.reviewers // 50 :])
    rng.shuffle(applicant_pool)
    items: dict[str, Parties] = {}
    position = 0
    for n in range(sizes.items):
        size = rng.choice((1, 2, 3, 3, 4, 5))
        team = [applicant_pool[(position + k) % len(applicant_pool)] for k in range(size)]
        position += size
        items[f"item-{n:05d}"] = Parties(
            people=frozenset(p.user_id for p in team),
            organizations=frozenset({team[0].affiliation_id}),
            issuer=rng.choice(issuers),
        )
    return reviewers, items


def counts() -> dict[str, int]:
    from kechuang.accounts.models import Affiliation, ExpertProfile, Membership, Relation, Shareholding, Work

    return {
        "profiles": ExpertProfile.objects.count(),
        "history rows": Affiliation.objects.count(),
        "memberships": Membership.objects.count(),
        "works": Work.objects.count(),
        "relations": Relation.objects.count(),
        "shareholdings": Shareholding.objects.count(),
    }


def measure(sizes: Sizes, *, repeat: int = 2) -> dict[str, Any]:
    """Seed, then time ``find_conflicts`` over every pair ``repeat`` times; keep the best and the first run."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from kechuang.review.conflicts import find_conflicts

    started = time.perf_counter()
    reviewers, items = seed_population(sizes)
    seeded = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would, soon after a bulk load
    times, cpu = [], []
    found: dict[Any, Any] = {}
    queries = 0
    for _ in range(repeat):
        reset_queries()
        cpu_before = time.process_time()
        begun = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            found = find_conflicts(reviewers, items, today=TODAY)
        times.append(time.perf_counter() - begun)
        cpu.append(time.process_time() - cpu_before)
        queries = len(captured.captured_queries)
    by_kind = Counter(conflict.kind for conflicts in found.values() for conflict in conflicts)
    return {
        "sizes": asdict(sizes),
        "pairs": len(reviewers) * len(items),
        "applicant_people": len({p for parties in items.values() for p in parties.people}),
        "rows": counts(),
        "seed_seconds": seeded,
        "seconds": times,
        "cpu_seconds": cpu,
        "queries": queries,
        "conflicted_pairs": len(found),
        "conflicts": sum(by_kind.values()),
        "by_kind": dict(sorted(by_kind.items())),
        "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


# ---------------------------------------------------------------- one database (inner run)


def _database() -> str:
    import sqlite3

    from django.db import connection

    if connection.vendor != "postgresql":
        return f"SQLite {sqlite3.sqlite_version}"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"


def run_inner(args: argparse.Namespace) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="kechuang.settings",
        KECHUANG_DEBUG="false",  # debug keeps every query in memory
        KECHUANG_SECRET_KEY=secrets.token_urlsafe(50),
        KECHUANG_LOG_LEVEL="WARNING",
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    sizes = QUICK if args.quick else FULL
    key = args.db.removesuffix("-inner")
    say(f"{DATABASES[key]}: seeding {sizes.reviewers:,} reviewers and {sizes.items:,} items")
    result = {"key": key, "title": DATABASES[key], "database": _database(), **measure(sizes)}
    say(f"{result['database']}: find_conflicts {min(result['seconds']):.1f} s, {result['conflicts']:,} conflicts")
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


# ---------------------------------------------------------------- all databases (outer run)


def _run_database(key: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    extra = ["--quick"] if args.quick else []
    return databases.run_child(__file__, key, workdir / key, title=DATABASES[key], extra=extra)


def render(host: dict[str, Any], runs: list[dict[str, Any]], skipped: list[str]) -> str:
    """The Markdown block for ``docs/benchmarks.md``."""
    lines = [
        "Command: `.venv/bin/python benchmarks/review_conflicts.py --write-docs`. " + csl.machine_line(host),
        "",
        "Every (item, reviewer) pair of one call checked by `kechuang.review.conflicts.find_conflicts` "
        "(reads, inverted indexes, matching and translated explanations, end to end; best of two runs). "
        f"Target: ≤ {TARGET_SECONDS:.0f} s.",
        "",
        "| Database | Pairs | Rows read (profiles / history / works / relations) | Queries | Conflicted pairs "
        "| Conflicts | Time | CPU | Peak RSS | Target |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for run in runs:
        rows = run["rows"]
        best = min(run["seconds"])
        lines.append(
            f"| {run['database']} | {run['pairs']:,} | {rows['profiles']:,} / {rows['history rows']:,} / "
            f"{rows['works']:,} / {rows['relations']:,} | {run['queries']} | {run['conflicted_pairs']:,} | "
            f"{run['conflicts']:,} | {best:.1f} s | {min(run['cpu_seconds']):.1f} s | {run['max_rss_mib']:.0f} MiB | "
            f"{'PASS' if best <= TARGET_SECONDS else 'FAIL'} |"
        )
    if runs:
        kinds = ", ".join(f"{kind} {count:,}" for kind, count in runs[0]["by_kind"].items())
        lines += ["", f"Conflicts by kind ({runs[0]['title']}): {kinds}."]
    lines += ["", *(f"Skipped: {reason}" for reason in skipped)] if skipped else []
    return "\n".join(lines) + "\n"


def run_outer(args: argparse.Namespace) -> int:
    host = csl.machine()  # before the runs, so the load average is the machine's, not ours
    keys = list(DATABASES) if args.db == "all" else [args.db]
    runs, skipped = [], []
    with tempfile.TemporaryDirectory(prefix="conflicts-bench-") as workdir:
        for key in keys:
            try:
                runs.append(_run_database(key, args, Path(workdir)))
            except RuntimeError as error:
                say(str(error))
                skipped.append(f"{DATABASES[key]}: {error}")
    block = render(host, runs, skipped)
    print(block)
    if args.write_docs and not args.quick and runs:
        csl.write_section(DOC, START_MARKER, END_MARKER, block, heading=HEADING)
        say(f"wrote {DOC.relative_to(ROOT)}")
    failed = [run for run in runs if min(run["seconds"]) > TARGET_SECONDS]
    return 1 if args.strict and (failed or skipped) else 0


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="all", choices=["all", "sqlite", "postgres", "sqlite-inner", "postgres-inner"])
    parser.add_argument("--quick", action="store_true", help="300 reviewers × 120 items; never written to the docs")
    parser.add_argument("--write-docs", action="store_true", help=f"write the figures into {DOC.name}")
    parser.add_argument("--strict", action="store_true", help="exit 1 when the target is missed or a run failed")
    parser.add_argument("--out", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.db.endswith("-inner"):
        run_inner(args)
        return 0
    return run_outer(args)


if __name__ == "__main__":
    sys.exit(main())
