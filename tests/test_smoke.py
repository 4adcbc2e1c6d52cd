import pytest
from django.test import Client

from tests.factories.accounts import OrganizationFactory


@pytest.mark.django_db
def test_organization_api_lists_an_organization(client: Client) -> None:
    OrganizationFactory(name={"zh-hans": "北京测试公司", "en": "Beijing Test Co."})
    response = client.get("/api/v1/organizations")
    assert response.status_code == 200
    assert [o["display_name"] for o in response.json()["items"]] == ["北京测试公司"]
