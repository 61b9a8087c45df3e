"""The claim catalogue service: validated CRUD, all-or-nothing import, export round trip."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session

from moderation.db.models import Claim
from moderation.domain.errors import Conflict, InvalidInput
from moderation.services import claims


@pytest.fixture
def catalogue(db: Session) -> Iterator[Session]:
    """The seeded catalogue is shared by the run; claims made here are named test-* and removed after."""
    yield db
    db.rollback()
    db.execute(delete(Claim).where(Claim.slug.like("test-%")))
    db.commit()


def row(slug: str = "test-bee-venom", **overrides: Any) -> dict[str, Any]:
    return {
        "slug": slug,
        "statement": "Bee venom therapy cures MS.",
        "variants": ["Bee stings stopped my MS.", "Get stung by bees, it heals MS."],
        "category": "unproven_cure",
        "severity": "medium",
        "correction": "There is no evidence that bee venom treats MS; a trial found no benefit.",
        "source_url": "https://www.nationalmssociety.org/",
    } | overrides


def test_create_edit_and_disable_a_claim(catalogue: Session) -> None:
    before = claims.catalogue_version(catalogue)
    claims.create_claim(catalogue, claims.ClaimData(**{**row(), "variants": ("Bee stings cure MS.",)}), actor="admin")
    after_create = claims.catalogue_version(catalogue)
    assert after_create != before
    edited = claims.ClaimData(**{**row(), "severity": "high", "variants": ()})
    assert claims.update_claim(catalogue, "test-bee-venom", edited, actor="admin").severity == "high"
    claims.set_enabled(catalogue, "test-bee-venom", False, actor="admin")
    assert claims.catalogue_version(catalogue) != after_create
    enabled_slugs = {c.slug for c in claims.list_claims(catalogue, include_disabled=False)}
    assert "test-bee-venom" not in enabled_slugs
    assert [c.slug for c in claims.list_claims(catalogue, search="test-bee")] == ["test-bee-venom"]


def test_a_duplicate_slug_is_a_conflict(catalogue: Session) -> None:
    data = claims.ClaimData(**{**row(), "variants": ()})
    claims.create_claim(catalogue, data, actor="admin")
    with pytest.raises(Conflict):
        claims.create_claim(catalogue, data, actor="admin")


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"slug": "Not A Slug"}, "slug"),
        ({"category": "rumour"}, "category"),
        ({"severity": "extreme"}, "severity"),
        ({"source_url": "ftp://x"}, "source_url"),
        ({"statement": "  "}, "statement"),
    ],
)
def test_invalid_claims_name_the_field(catalogue: Session, override: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        claims.create_claim(catalogue, claims.ClaimData(**{**row(), **override, "variants": ()}), actor="admin")
    assert error.value.field == field


def test_an_import_with_bad_rows_reports_each_row_and_imports_nothing(catalogue: Session) -> None:
    count = len(claims.list_claims(catalogue))
    rows = [
        row("test-good-one"),
        row("test-bad", category="gossip", severity="huge"),
        row("test-good-two"),
        row("test-good-one"),
    ]
    with pytest.raises(claims.ImportRejected) as rejected:
        claims.import_claims(catalogue, rows, actor="admin")
    assert {(e["row"], e["field"]) for e in rejected.value.errors} == {(2, "category"), (2, "severity"), (4, "slug")}
    assert len(claims.list_claims(catalogue)) == count


def test_export_then_import_round_trips_through_json_and_csv(catalogue: Session) -> None:
    claims.import_claims(catalogue, [row("test-one"), row("test-two", severity="high")], actor="admin")
    ours = [c for c in claims.list_claims(catalogue) if c.slug.startswith("test-")]
    for text, parse in ((claims.export_json(ours), claims.parse_json), (claims.export_csv(ours), claims.parse_csv)):
        result = claims.import_claims(catalogue, parse(text), actor="admin")
        assert result == {"created": 0, "updated": 2}
    two = claims.get_claim(catalogue, "test-two")
    assert (two.severity, two.variants) == ("high", row()["variants"])


def test_a_malformed_file_is_a_clear_error() -> None:
    with pytest.raises(InvalidInput, match="not valid JSON"):
        claims.parse_json("[{")
    with pytest.raises(InvalidInput, match="missing column"):
        claims.parse_csv("slug,statement\nx,y\n")
