"""``/api/v1/search`` and ``/api/v1/match`` over the database's organisations and experts, kept current by tasks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from kechuang.accounts.enums import OrganizationStatus, Visibility
from kechuang.search.selectors import close_indexes
from kechuang.search.tasks import reindex
from tests.factories.accounts import ExpertProfileFactory, OrganizationFactory, WorkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def index_dir(settings: Any, tmp_path: Path) -> Iterator[Path]:
    close_indexes()
    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    yield tmp_path
    close_indexes()


def found(client: Client, **params: Any) -> list[tuple[str, str]]:
    response = client.get("/api/v1/search", params)
    assert response.status_code == 200, response.content
    return [(hit["kind"], hit["title"]) for hit in response.json()["results"]]


def test_search_finds_active_organisations_and_public_experts_only(client: Client) -> None:
    OrganizationFactory(name={"zh-hans": "北京智芯研究院", "en": "Beijing Chip Institute"})
    OrganizationFactory(name={"zh-hans": "待审芯片公司"}, status=OrganizationStatus.PENDING)
    ExpertProfileFactory(name={"zh-hans": "公开专家"}, keywords_zh=["芯片设计"])
    ExpertProfileFactory(name={"zh-hans": "隐藏专家"}, keywords_zh=["芯片设计"], visibility=Visibility.MEMBERS)
    reindex()
    assert sorted(found(client, q="芯片")) == [("expert", "公开专家"), ("organization", "北京智芯研究院")]
    body = client.get("/api/v1/search", {"q": "chip"}).json()
    assert body["total"] == 2
    assert body["kinds"] == [
        {"kind": "organization", "label": "机构", "count": 1},
        {"kind": "expert", "label": "专家", "count": 1},
        {"kind": "challenge", "label": "榜单", "count": 0},
        {"kind": "achievement", "label": "科技成果", "count": 0},
    ]


def test_filters_kinds_and_paging(client: Client) -> None:
    for number in range(12):
        OrganizationFactory(name={"zh-hans": f"机器人公司{number:02d}"}, region="110108" if number % 2 else "120101")
    reindex()
    assert len(found(client, q="机器人", region="110000")) == 6
    assert len(found(client, q="机器人", region="120000", org_type="enterprise")) == 6
    first = client.get("/api/v1/search", {"q": "机器人"}).json()
    second = client.get("/api/v1/search", {"q": "机器人", "page": 2}).json()
    assert (first["total"], len(first["results"]), len(second["results"])) == (12, 10, 2)
    assert found(client, q="机器人", kind="expert") == []


@pytest.mark.parametrize("query", ["", '"(]:*', "x" * 10_000, "title:a AND (b OR", "\u0000\ud7ff"])
def test_hostile_queries_get_an_answer(client: Client, query: str) -> None:
    response = client.get("/api/v1/search", {"q": query})
    assert response.status_code == 200
    assert response.json()["truncated"] == (len(query) > 200)


def test_an_unknown_kind_is_a_validation_problem(client: Client) -> None:
    response = client.get("/api/v1/search", {"q": "芯片", "kind": "bogus"})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "validation_error"


def test_match_recommends_with_reasons(client: Client) -> None:
    expert = ExpertProfileFactory(name={"zh-hans": "陈力"}, keywords_zh=["力控", "手术机器人"])
    WorkFactory(profile=expert, title={"zh-hans": "多自由度力控机械臂的阻抗控制"})
    ExpertProfileFactory(name={"zh-hans": "王敏"}, keywords_zh=["锂电池"], keywords_en=["battery"])
    reindex()
    response = client.post(
        "/api/v1/match",
        {"text": "需要一款多自由度力控医疗机械臂", "kinds": ["expert"], "limit": 3},
        content_type="application/json",
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert [hit["title"] for hit in results] == ["陈力"]
    assert set(results[0]["matched"]["body"]) >= {"多自由度", "力控", "机械臂"}
    assert client.post("/api/v1/match", {"text": ""}, content_type="application/json").status_code == 422


@pytest.mark.django_db(transaction=True)
def test_saved_changes_reach_the_index_after_commit(client: Client) -> None:
    organization = OrganizationFactory(name={"zh-hans": "量子测量公司"})
    assert found(client, q="量子") == [("organization", "量子测量公司")]
    organization.name = {"zh-hans": "光刻胶材料公司"}
    organization.save()
    assert found(client, q="量子") == []
    assert found(client, q="光刻胶") == [("organization", "光刻胶材料公司")]
    expert = ExpertProfileFactory(name={"zh-hans": "李雷"}, keywords_zh=[], keywords_en=[], fields=[])
    work = WorkFactory(profile=expert, title={"zh-hans": "钙钛矿太阳能电池"})
    assert found(client, q="钙钛矿") == [("expert", "李雷")]
    work.delete()
    assert found(client, q="钙钛矿") == []
    organization.status = OrganizationStatus.SUSPENDED
    organization.save()
    assert found(client, q="光刻胶") == []


def test_the_reindex_command_rebuilds_from_the_database(capsys: pytest.CaptureFixture[str]) -> None:
    OrganizationFactory()
    ExpertProfileFactory()
    call_command("search_reindex")
    assert capsys.readouterr().out.startswith("indexed 1 organization, 1 expert, 0 challenge, 0 achievement in ")
