"""The ledger's pages: the entry browser, an entry and its receipt, notarising, waiting, verifying a receipt."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.db.models.signals import post_save
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kechuang.accounts.enums import MembershipStatus, OrganizationStatus
from kechuang.accounts.models import Organization, User
from kechuang.ledger import forms as ledger_forms
from kechuang.ledger import services, views
from kechuang.ledger.keys import log_signer
from kechuang.ledger.kinds import Kind, register
from kechuang.ledger.models import Entry, Leaf, LogState
from kechuang.ledger.tlog.note import CosignatureSigner, generate_key, parse_note, parse_skey, parse_vkey
from kechuang.ledger.tlog.proof import format_proof, parse_proof, verify_receipt
from tests.conftest import ARTIFACTS, TEST_LOG_ORIGIN
from tests.factories.accounts import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory, make_operator
from tests.web.test_security import csp_violations

pytestmark = pytest.mark.django_db

PRIVATE = register(Kind(name="test.private", version=1, label="t", public=False))
ENTRIES = reverse("ledger:entries")
NOTARISE = reverse("ledger:notarise")
VERIFY = reverse("ledger:verify")
DOCUMENT = b"%PDF-1.7 the contract, signed\n"
DOCUMENT_SHA256 = hashlib.sha256(DOCUMENT).hexdigest()


@pytest.fixture
def client(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def organization() -> Organization:
    return OrganizationFactory(name={"zh-hans": "北京手术机器人有限公司", "en": "Beijing Surgical Robots"})


@pytest.fixture
def member(organization: Organization) -> User:
    user: User = UserFactory()
    MembershipFactory(user=user, organization=organization)
    return user


@pytest.fixture
def outsider() -> User:
    user: User = UserFactory()
    return user


def notarised(
    member: User, organization: Organization, *, title: str = "Contract", sha256: str = DOCUMENT_SHA256
) -> Entry:
    """Evidence recorded and integrated, with its leaf loaded."""
    entry = services.notarise(actor=member, organization=organization, title=title, sha256=sha256)
    services.integrate_pending()
    return Entry.objects.select_related("leaf", "organization").get(pk=entry.pk)


def private_entry(member: User, organization: Organization) -> Entry:
    entry = services.record(kind=PRIVATE.name, payload={"secret": "yes"}, actor=member, organization=organization)
    services.integrate_pending()
    return Entry.objects.select_related("leaf").get(pk=entry.pk)


def log_vkey() -> str:
    return log_signer().vkey


def entry_url(entry: Entry) -> str:
    return reverse("ledger:entry", args=[entry.leaf.index])


def receipt_of(client: Client, entry: Entry) -> str:
    response = client.get(reverse("ledger:receipt", args=[entry.leaf.index]))
    assert response.status_code == 200
    return response.content.decode()


# ---------------------------------------------------------------- the entry browser


def test_the_browser_lists_public_entries_newest_first_with_the_log_key(
    client: Client, member: User, organization: Organization
) -> None:
    first = notarised(member, organization, title="First contract", sha256="1" * 64)
    second = notarised(member, organization, title="Second contract", sha256="2" * 64)
    hidden = private_entry(member, organization)

    response = client.get(ENTRIES)

    assert response.status_code == 200
    assert [row.index for row in response.context["rows"]] == [second.leaf.index, first.leaf.index]
    assert [row.title for row in response.context["rows"]] == ["Second contract", "First contract"]
    assert response.context["tree_size"] == 3
    assert response.context["vkey"] == log_vkey()
    assert response.context["origin"] == TEST_LOG_ORIGIN
    assert log_vkey() in response.text.replace("<wbr>", "")
    assert 'href="/ledger/checkpoint"' in response.text
    assert bytes(first.leaf_hash).hex()[:12] in response.text
    assert f'data-index="{hidden.leaf.index}"' not in response.text
    assert "Beijing Surgical Robots" in response.text
    assert csp_violations(response.text) == []


def test_recorded_times_are_shown_in_beijing_time(client: Client, member: User, organization: Organization) -> None:
    entry = notarised(member, organization)
    local = entry.recorded_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert local.strftime("%Y-%m-%d %H:%M:%S") in client.get(ENTRIES).text


def test_the_browser_filters_by_kind_and_by_digest(client: Client, member: User, organization: Organization) -> None:
    wanted = notarised(member, organization, title="Wanted", sha256="a" * 64)
    notarised(member, organization, title="Other", sha256="b" * 64)

    by_digest = client.get(ENTRIES, {"digest": "A" * 64})
    by_kind = client.get(ENTRIES, {"kind": "evidence"})
    unknown_kind = client.get(ENTRIES, {"kind": "test.private"})

    assert [row.index for row in by_digest.context["rows"]] == [wanted.leaf.index]
    assert by_kind.context["page"].count == 2
    # Not a public kind, so not a choice: the filter is dropped rather than revealing anything.
    assert unknown_kind.context["page"].count == 2


def test_a_malformed_digest_is_an_error_and_finds_nothing(
    client: Client, member: User, organization: Organization
) -> None:
    notarised(member, organization)
    response = client.get(ENTRIES, {"digest": "not-a-digest"})
    assert response.context["page"].count == 0
    assert "Give the digest as 64 hexadecimal characters." in response.text


def test_the_browser_pages_by_twenty(client: Client, member: User, organization: Organization) -> None:
    for number in range(21):
        services.record(kind="evidence", payload={"title": f"doc {number}", "sha256": f"{number:064x}"}, actor=member)
    services.integrate_pending()
    first = client.get(ENTRIES)
    second = client.get(ENTRIES, {"page": 2})
    assert len(first.context["rows"]) == 20
    assert [row.index for row in second.context["rows"]] == [0]
    assert 'rel="next"' in first.text


def test_an_htmx_request_gets_only_the_results(client: Client, member: User, organization: Organization) -> None:
    notarised(member, organization)
    response = client.get(ENTRIES, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'data-testid="entry-row"' in response.text
    assert "HX-Request" in response["Vary"]


def test_the_browser_works_before_the_log_has_a_key_or_a_checkpoint(
    client: Client, settings: Any, tmp_path: Path
) -> None:
    settings.LEDGER_KEY = ""
    settings.LEDGER_KEY_FILE = tmp_path / "missing.key"
    response = client.get(ENTRIES)
    assert response.status_code == 200
    assert response.context["vkey"] == ""
    assert response.context["tree_size"] == 0
    assert "No signing key is configured yet." in response.text


def test_the_browser_is_served_from_the_page_cache_to_anonymous_visitors(
    client: Client, settings: Any, member: User, organization: Organization
) -> None:
    settings.PAGE_CACHE_SECONDS = 30
    notarised(member, organization)
    assert client.get(ENTRIES, {"kind": "evidence"})["X-Page-Cache"] == "miss"
    assert client.get(ENTRIES, {"kind": "evidence"})["X-Page-Cache"] == "hit"


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_browser_needs_the_same_queries_for_one_or_three_entries(
    client: Client, member: User, organization: Organization, signed_in: bool
) -> None:
    if signed_in:
        client.force_login(member)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(ENTRIES).status_code == 200
        return len(captured)

    notarised(member, organization, sha256="1" * 64)
    one = queries()
    notarised(member, organization, sha256="2" * 64)
    notarised(member, organization, sha256="3" * 64)
    assert queries() == one


def test_the_navigation_links_to_the_records(client: Client) -> None:
    response = client.get(reverse("web:home"))
    assert f'<a href="{ENTRIES}">Trusted records</a>' in response.text
    assert 'aria-current="page">Trusted records' in client.get(ENTRIES).text


# ---------------------------------------------------------------- one entry and its receipt


def test_anyone_reads_a_public_entry(client: Client, member: User, organization: Organization) -> None:
    entry = notarised(member, organization)
    response = client.get(entry_url(entry))

    leaf = bytes(entry.leaf_hash)
    assert response.status_code == 200
    assert response.context["leaf_hex"] == leaf.hex()
    assert response.context["leaf_b64"] == base64.b64encode(leaf).decode()
    assert response.context["sm3_hex"] == bytes(entry.sm3).hex()
    assert response.context["recorded_sha256"] == DOCUMENT_SHA256
    assert f'"sha256": "{DOCUMENT_SHA256}"' in response.context["envelope_json"]
    assert '"name": "北京手术机器人有限公司"' in response.context["envelope_json"]
    assert f'href="/records/{entry.leaf.index}/receipt"' in response.text
    assert 'data-check-digest="' + DOCUMENT_SHA256 + '"' in response.text
    assert csp_violations(response.text) == []


def test_an_entry_of_a_private_kind_is_not_found_but_for_its_organization_and_operators(
    client: Client, member: User, organization: Organization, outsider: User
) -> None:
    entry = private_entry(member, organization)
    colleague = UserFactory()
    MembershipFactory(user=colleague, organization=organization)
    url = entry_url(entry)
    receipt = reverse("ledger:receipt", args=[entry.leaf.index])

    assert client.get(url).status_code == 404
    assert client.get(receipt).status_code == 404
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.get(receipt).status_code == 404
    for allowed in (member, colleague, make_operator()):
        client.force_login(allowed)
        assert client.get(url).status_code == 200
        assert client.get(receipt).status_code == 200


def test_a_missing_index_is_not_found(client: Client) -> None:
    assert client.get(reverse("ledger:entry", args=[7])).status_code == 404
    assert client.get(reverse("ledger:receipt", args=[7])).status_code == 404


def test_a_private_entry_shows_only_its_commitment(client: Client, member: User, organization: Organization) -> None:
    entry = private_entry(member, organization)
    client.force_login(member)
    response = client.get(entry_url(entry))
    assert '"commitment"' in response.context["envelope_json"]
    assert "secret" not in response.context["envelope_json"]
    assert "the log holds only a salted commitment" in response.text


def test_the_receipt_downloads_and_verifies_offline(client: Client, member: User, organization: Organization) -> None:
    entry = notarised(member, organization)
    response = client.get(reverse("ledger:receipt", args=[entry.leaf.index]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="kechuang-{entry.leaf.index}.tlog-proof"'
    check = verify_receipt(response.content.decode(), parse_vkey(log_vkey()))
    assert (check.index, check.checkpoint.size, check.entry) == (entry.leaf.index, 1, bytes(entry.body))


@pytest.mark.parametrize(
    ("digest", "result"), [(DOCUMENT_SHA256.upper(), "match"), ("0" * 64, "no-match")], ids=["match", "no-match"]
)
def test_the_digest_check_answers_without_javascript(
    client: Client, member: User, organization: Organization, digest: str, result: str
) -> None:
    entry = notarised(member, organization)
    response = client.get(entry_url(entry), {"sha256": digest})
    assert f'data-testid="digest-check-result" data-result="{result}"' in response.text


def test_the_digest_check_refuses_what_is_not_a_digest(
    client: Client, member: User, organization: Organization
) -> None:
    entry = notarised(member, organization)
    response = client.get(entry_url(entry), {"sha256": "abc"})
    assert response.context["checked"] is None
    assert response.context["check_form"].errors == {"sha256": ["Give the digest as 64 hexadecimal characters."]}
    assert 'data-testid="digest-check-result"' not in response.text


# ---------------------------------------------------------------- notarising


def test_notarising_needs_an_account(client: Client) -> None:
    response = client.get(NOTARISE)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={NOTARISE}"
    assert client.post(NOTARISE, {"title": "x", "sha256": DOCUMENT_SHA256}).status_code == 302
    assert not Entry.objects.exists()


def test_a_user_without_an_organization_is_told_what_to_do(client: Client, outsider: User) -> None:
    OrganizationFactory()
    MembershipFactory(user=outsider, status=MembershipStatus.REQUESTED)
    client.force_login(outsider)
    response = client.get(NOTARISE)
    assert response.status_code == 200
    assert "You are not an approved member of any organization." in response.text
    assert 'data-testid="notarise-form"' not in response.text


def test_the_only_organization_is_preselected_and_the_file_input_has_no_name(
    client: Client, member: User, organization: Organization
) -> None:
    OrganizationFactory()  # someone else's
    client.force_login(member)
    response = client.get(NOTARISE)
    form = response.context["form"]
    assert [o.pk for o in form.organizations] == [organization.pk]
    assert f'<option value="{organization.pk}" selected>' in response.text
    file_input = re.search(r'<input type="file" id="document-file"[^>]*>', response.text)
    assert file_input is not None
    assert " name=" not in file_input.group(0)
    assert csp_violations(response.text) == []


def test_suspended_organizations_and_unapproved_memberships_are_not_offered(client: Client, member: User) -> None:
    MembershipFactory(user=member, organization=OrganizationFactory(status=OrganizationStatus.SUSPENDED))
    MembershipFactory(user=member, status=MembershipStatus.REQUESTED)
    second = OrganizationFactory()
    MembershipFactory(user=member, organization=second)
    client.force_login(member)
    form = client.get(NOTARISE).context["form"]
    assert len(form.organizations) == 2
    assert second in form.organizations
    assert "selected" not in str(form["organization"])


def test_notarising_records_the_evidence_and_follows_it_until_it_is_in_the_log(
    client: Client, member: User, organization: Organization
) -> None:
    client.force_login(member)
    response = client.post(
        NOTARISE, {"organization": organization.pk, "title": " Contract ", "sha256": DOCUMENT_SHA256.upper(), "sm3": ""}
    )

    entry = Entry.objects.get()
    assert (entry.kind, entry.subject, entry.actor, entry.organization) == (
        "evidence",
        DOCUMENT_SHA256,
        member,
        organization,
    )
    # Tests run inside a transaction, which no sequencer can see into: the view goes to the waiting page.
    pending = reverse("ledger:pending", args=[entry.pk])
    assert response.status_code == 302
    assert response["Location"] == pending
    waiting = client.get(pending)
    assert waiting.context["index"] is None
    assert "Recorded, waiting for the sequencer" in waiting.text
    assert '<meta http-equiv="refresh"' in waiting.text
    assert f'hx-get="{pending}"' in waiting.text

    services.integrate_pending()
    polled = client.get(pending, headers={"HX-Request": "true"})

    assert "<html" not in polled.text
    assert 'data-index="0"' in polled.text
    assert 'href="/records/0/"' in polled.text
    assert "hx-trigger" not in polled.text
    assert "refresh" not in client.get(pending).text


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"sha256": "abc"}, {"sha256": ["Give the digest as 64 hexadecimal characters."]}),
        ({"sm3": "xyz"}, {"sm3": ["Give the digest as 64 hexadecimal characters."]}),
        ({"title": ""}, {"title": ["This field is required."]}),
        ({"sha256": ""}, {"sha256": ["This field is required."]}),
    ],
    ids=["sha256", "sm3", "no-title", "no-sha256"],
)
def test_an_invalid_notarisation_shows_field_errors_and_records_nothing(
    client: Client, member: User, organization: Organization, fields: dict[str, str], errors: dict[str, list[str]]
) -> None:
    client.force_login(member)
    data = {"organization": organization.pk, "title": "Contract", "sha256": DOCUMENT_SHA256, "sm3": "", **fields}
    response = client.post(NOTARISE, data)
    assert response.status_code == 200
    assert response.context["form"].errors == errors
    assert not Entry.objects.exists()


def test_an_outsider_cannot_notarise_for_an_organization(
    client: Client, outsider: User, organization: Organization, member: User
) -> None:
    own = OrganizationFactory()
    MembershipFactory(user=outsider, organization=own)
    client.force_login(outsider)
    response = client.post(NOTARISE, {"organization": organization.pk, "title": "Theirs", "sha256": DOCUMENT_SHA256})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["organization"]
    assert not Entry.objects.exists()


def test_a_revoked_member_cannot_notarise(client: Client, member: User, organization: Organization) -> None:
    client.force_login(member)
    member.memberships.update(status=MembershipStatus.REVOKED)
    response = client.post(NOTARISE, {"organization": organization.pk, "title": "Late", "sha256": DOCUMENT_SHA256})
    assert response.status_code == 200
    assert "You are not an approved member of any organization." in response.text
    assert not Entry.objects.exists()


def test_the_waiting_page_is_only_for_the_recorder_their_organization_and_operators(
    client: Client, member: User, organization: Organization, outsider: User
) -> None:
    entry = services.notarise(actor=member, organization=organization, title="Contract", sha256=DOCUMENT_SHA256)
    url = reverse("ledger:pending", args=[entry.pk])
    colleague = UserFactory()
    MembershipFactory(user=colleague, organization=organization)

    assert client.get(url).status_code == 302
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.get(reverse("ledger:pending", args=[entry.pk + 1])).status_code == 404
    for allowed in (member, colleague, make_operator()):
        client.force_login(allowed)
        assert client.get(url).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_notarising_goes_straight_to_the_entry_once_it_is_integrated(
    client: Client, member: User, organization: Organization, settings: Any
) -> None:
    """A sequencer that integrates as soon as the record commits, in the request's own thread: deterministic."""
    ensure_log_state()
    settings.LEDGER_WAIT_SECONDS = 5
    client.force_login(member)

    def integrate_on_commit(sender: Any, instance: Entry, created: bool, **kwargs: Any) -> None:
        transaction.on_commit(services.integrate_pending)

    post_save.connect(integrate_on_commit, sender=Entry, dispatch_uid="integrate-on-commit")
    try:
        response = client.post(NOTARISE, {"organization": organization.pk, "title": "Quick", "sha256": DOCUMENT_SHA256})
    finally:
        post_save.disconnect(sender=Entry, dispatch_uid="integrate-on-commit")
    index = Leaf.objects.get().index
    assert response.status_code == 302
    assert response["Location"] == reverse("ledger:entry", args=[index])


@pytest.mark.django_db(transaction=True)
def test_notarising_waits_for_the_sequencer_thread(
    client: Client, member: User, organization: Organization, settings: Any
) -> None:
    ensure_log_state()
    settings.LEDGER_WAIT_SECONDS = 10
    client.force_login(member)
    sequencer = services.Sequencer(interval=0.01)
    sequencer.start()
    try:
        response = client.post(NOTARISE, {"organization": organization.pk, "title": "Quick", "sha256": DOCUMENT_SHA256})
    finally:
        sequencer.stop()
        sequencer.join(timeout=10)
    assert response.status_code == 302
    assert response["Location"] == reverse("ledger:entry", args=[Leaf.objects.get().index])


def ensure_log_state() -> None:
    """Transactional tests empty every table afterwards, the migration's log-state row included; put it back."""
    LogState.objects.get_or_create(pk=1, defaults={"size": 0, "root": hashlib.sha256(b"").digest()})


# ---------------------------------------------------------------- verifying a receipt


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def verify(client: Client, receipt: str | bytes, **extra: Any) -> Any:
    data = {"receipt": upload("r.tlog-proof", receipt.encode() if isinstance(receipt, str) else receipt)}
    data.update({"vkey": log_vkey(), "witnesses": "", "min_witnesses": "0"})
    data.update(extra)
    return client.post(VERIFY, data)


def test_the_verify_page_offers_this_logs_key(client: Client) -> None:
    response = client.get(VERIFY)
    assert response.status_code == 200
    assert response.context["form"].initial["vkey"] == log_vkey()
    assert f'value="{log_vkey()}"' in response.text
    assert 'enctype="multipart/form-data"' in response.text
    assert csp_violations(response.text) == []


def test_a_good_receipt_shows_what_it_proves(client: Client, member: User, organization: Organization) -> None:
    entry = notarised(member, organization)
    response = verify(client, receipt_of(client, entry))

    result = response.context["result"]
    assert result.error == ""
    assert (result.check.index, result.check.checkpoint.size) == (entry.leaf.index, 1)
    assert result.check.checkpoint.origin == TEST_LOG_ORIGIN
    assert result.record["title"] == "Contract"
    assert result.entry_source == "receipt"
    assert 'data-valid="yes"' in response.text
    assert csp_violations(response.text) == []


def test_a_tampered_receipt_says_which_check_failed(client: Client, member: User, organization: Organization) -> None:
    notarised(member, organization, sha256="1" * 64)
    entry = notarised(member, organization, sha256="2" * 64)
    text = receipt_of(client, entry)
    parsed = parse_proof(text)
    wrong_proof = format_proof(
        index=parsed.index, proof=[b"\x00" * 32], checkpoint_note=parsed.checkpoint_note, extra=parsed.extra
    )
    other_entry = format_proof(
        index=parsed.index, proof=parsed.proof, checkpoint_note=parsed.checkpoint_note, extra=parsed.extra + b" "
    )

    assert verify(client, wrong_proof).context["result"].error.startswith("inclusion: ")
    assert verify(client, other_entry).context["result"].error.startswith("inclusion: ")
    key = parse_vkey(log_vkey())
    assert verify(client, text.replace("\n2\n", "\n3\n", 1)).context["result"].error == (
        f"checkpoint signature: invalid signature for key {key.name}+{key.key_id:08x}"
    )
    shown = verify(client, wrong_proof)
    assert 'data-valid="no"' in shown.text
    assert "The receipt does not verify." in shown.text


def test_a_receipt_checked_against_another_key_fails(client: Client, member: User, organization: Organization) -> None:
    entry = notarised(member, organization)
    impostor = parse_skey(generate_key(TEST_LOG_ORIGIN)[0]).vkey
    other_log = parse_skey(generate_key("other.example/log")[0]).vkey

    assert verify(client, receipt_of(client, entry), vkey=impostor).context["result"].error == (
        "checkpoint signature: note has no verifiable signatures"
    )
    assert verify(client, receipt_of(client, entry), vkey=other_log).context["result"].error == (
        "checkpoint signature: note has no verifiable signatures"
    )
    refused = verify(client, receipt_of(client, entry), vkey="not a key")
    assert refused.context["result"] is None
    assert list(refused.context["form"].errors) == ["vkey"]


def test_witnesses_are_checked_and_listed(client: Client, member: User, organization: Organization) -> None:
    entry = notarised(member, organization)
    witness = parse_skey(generate_key("witness.example/w1", key_type=0x04)[0])
    assert isinstance(witness, CosignatureSigner)
    text = receipt_of(client, entry)
    body, _signatures = parse_note(parse_proof(text).checkpoint_note)
    cosigned = text + witness.cosign(body, 1_700_000_000).line()

    shown = verify(client, cosigned, witnesses=witness.vkey + "\n", min_witnesses="1")
    missing = verify(client, text, witnesses=witness.vkey, min_witnesses="1")

    assert shown.context["result"].check.witnesses == ["witness.example/w1"]
    assert missing.context["result"].error == "0 witness cosignature(s) verified; 1 required"
    assert (
        verify(client, text, witnesses="junk")
        .context["form"]
        .errors["witnesses"][0]
        .startswith("Line 1 is not a verifier key:")
    )


@pytest.mark.parametrize(("document", "result"), [(DOCUMENT, "match"), (b"another file", "no-match")])
def test_a_document_is_compared_with_the_recorded_digests(
    client: Client, member: User, organization: Organization, document: bytes, result: str
) -> None:
    sm3 = ledger_forms._Sm3()
    sm3.update(DOCUMENT)
    created = services.notarise(
        actor=member, organization=organization, title="Contract", sha256=DOCUMENT_SHA256, sm3=sm3.hexdigest()
    )
    services.integrate_pending()
    entry = Entry.objects.select_related("leaf").get(pk=created.pk)

    response = verify(client, receipt_of(client, entry), document=upload("contract.pdf", document))

    shown = response.context["result"]
    assert [(m.algorithm, m.matches) for m in shown.document] == [
        ("SHA-256", result == "match"),
        ("SM3", result == "match"),
    ]
    assert shown.document[0].computed == hashlib.sha256(document).hexdigest()
    assert f'data-testid="document-result" data-result="{result}"' in response.text


def test_a_document_is_not_compared_with_an_entry_that_is_not_evidence(
    client: Client, member: User, organization: Organization
) -> None:
    entry = private_entry(member, organization)
    client.force_login(member)
    response = verify(client, receipt_of(client, entry), document=upload("x.pdf", DOCUMENT))
    assert response.context["result"].check is not None
    assert response.context["result"].document == []
    assert 'data-result="not-compared"' in response.text


def test_the_entry_can_come_as_a_file_when_the_receipt_does_not_carry_it(
    client: Client, member: User, organization: Organization
) -> None:
    entry = notarised(member, organization)
    parsed = parse_proof(receipt_of(client, entry))
    bare = format_proof(index=parsed.index, proof=parsed.proof, checkpoint_note=parsed.checkpoint_note)

    without = verify(client, bare)
    given = verify(client, bare, entry=upload("entry.json", bytes(entry.body)))

    assert without.context["result"].error == "no entry to check: the receipt carries none and none was given"
    assert given.context["result"].entry_source == "upload"
    assert given.context["result"].check.index == entry.leaf.index


def test_uploads_over_their_limits_are_refused(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    too_big = verify(client, b"c2sp.org/tlog-proof@v1\n" + b"A" * (64 * 1024))
    assert too_big.context["form"].errors == {
        "receipt": ["The receipt is larger than 64 KiB; that is not a receipt of this kind."]
    }
    not_text = verify(client, b"\xff\xfe")
    assert not_text.context["form"].errors["receipt"] == [
        "The receipt is not UTF-8 text; choose the .tlog-proof file itself."
    ]

    monkeypatch.setitem(ledger_forms.UPLOAD_LIMITS, "document", 1024)
    big_document = verify(client, "x", document=upload("big.bin", b"0" * 2048))
    assert big_document.context["form"].errors["document"] == [
        "The document is larger than 20 MB; compare its SHA-256 on the record's page instead."
    ]

    monkeypatch.setattr(views, "VERIFY_MAX_BODY", 1024)
    refused = verify(client, "x", document=upload("big.bin", b"0" * 2048))
    assert refused.status_code == 413
    assert refused.context["upload_error"] == "The upload is too large: the document may be at most 20 MB."
    assert 'data-testid="upload-error"' in refused.text


def test_the_verify_form_checks_csrf() -> None:
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(VERIFY, {"receipt": upload("r.tlog-proof", b"x"), "vkey": log_vkey()})
    assert response.status_code == 403


# ---------------------------------------------------------------- in the browser


def sign_in(page: Any, user: User) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_selector("[data-testid=account-link]")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_member_notarises_a_file_hashed_in_the_browser_and_checks_files_against_it(
    browser_page: Any, settings: Any, tmp_path: Path
) -> None:
    ensure_log_state()
    # The page should not hold the live server's thread waiting for a sequencer that this test drives itself.
    settings.LEDGER_WAIT_SECONDS = 0
    organization = OrganizationFactory()
    member = UserFactory()
    MembershipFactory(user=member, organization=organization)
    document = tmp_path / "合同.pdf"
    document.write_bytes(DOCUMENT * 5000)
    other = tmp_path / "other.pdf"
    other.write_bytes(DOCUMENT * 5000 + b"!")
    page = browser_page
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    sign_in(page, member)
    page.goto(NOTARISE)
    page.fill("#id_title", "供货合同")
    page.set_input_files("[data-testid=document-file]", str(document))
    page.wait_for_selector("[data-testid=document-file-status][data-digest]")
    assert page.input_value("#id_sha256") == hashlib.sha256(document.read_bytes()).hexdigest()
    assert str(len(document.read_bytes())) in page.inner_text("[data-testid=document-file-status]").replace(",", "")
    page.set_viewport_size({"width": 375, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    page.screenshot(path=str(ARTIFACTS / "ledger-notarise-375.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.click("[data-testid=notarise-submit]")

    page.wait_for_selector("[data-testid=entry-status]")
    entry = Entry.objects.get()
    assert entry.subject == hashlib.sha256(document.read_bytes()).hexdigest()
    services.integrate_pending()
    # htmx polls the waiting page and swaps in the link once the entry has its index.
    page.click("[data-testid=entry-status] [data-testid=entry-link]")
    page.wait_for_selector("[data-testid=entry-heading]")
    assert page.inner_text("[data-testid=recorded-sha256]") == entry.subject

    page.set_input_files("[data-testid=check-file]", str(document))
    page.wait_for_selector("[data-testid=file-check-result][data-result=match]")
    page.set_input_files("[data-testid=check-file]", str(other))
    page.wait_for_selector("[data-testid=file-check-result][data-result=no-match]")

    page.set_viewport_size({"width": 375, "height": 740})
    for path in (page.url, ENTRIES, VERIFY):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways at 375 px by {overflow} px"
    page.screenshot(path=str(ARTIFACTS / "ledger-records-375.png"), full_page=True)
    assert problems == []
