"""Demo records for ``kechuang demo``: documents the seeds' actors notarised, so the log is not empty."""

from __future__ import annotations

import hashlib

from django.db import transaction

from kechuang.accounts.models import Membership
from kechuang.ledger.models import Entry
from kechuang.ledger.services import integrate_all, notarise

# (username, organisation name as seeded, title): the documents behind the seeds' scenarios.
DEMO_EVIDENCE = [
    ("enterprise", "北京锐骨医疗机器人有限公司", "力控手术机械臂关键技术揭榜挂帅任务书（榜额1000万元）"),
    ("tto", "京华理工大学", "京华理工大学科技成果作价投资协议（作价1250万元）"),
    ("tto", "京华理工大学", "京华理工大学科技成果转化收益分配方案（现金97%、股权90%奖励团队）"),
    ("facility", "综合极端条件实验装置", "综合极端条件实验装置2026年度开放共享机时统计表"),
]


def demo_document(title: str) -> bytes:
    """The demo's stand-in for a document: its bytes are derived from the title, so anyone can recreate it."""
    return f"kechuang demo document\n{title}\n".encode()


def seed_ledger_demo() -> int:
    """Notarise the demo documents once (nothing when the log already has entries) and integrate them."""
    if Entry.objects.exists():
        return 0
    made = 0
    with transaction.atomic():
        for username, organization_name, title in DEMO_EVIDENCE:
            membership = next(
                (
                    held
                    for held in Membership.objects.select_related("user", "organization").filter(
                        user__username=username, status="approved"
                    )
                    if held.organization.name.get("zh-hans") == organization_name
                ),
                None,
            )
            if membership is None:
                continue
            notarise(
                actor=membership.user,
                organization=membership.organization,
                title=title,
                sha256=hashlib.sha256(demo_document(title)).hexdigest(),
            )
            made += 1
    integrate_all()
    return made
