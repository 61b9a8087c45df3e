"""Default content a new installation starts with: the MS claim catalogue, the health-harm prototypes
and the support note. Applied by `moderation migrate` only where nothing is there yet, so an admin's
edits are never overwritten."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from moderation.db.models import Claim, Setting
from moderation.services import claims

SEEDS = Path(__file__).parent
CLAIMS_FILE = SEEDS / "ms_claims.json"
HARM_PROTOTYPES_FILE = SEEDS / "harm_prototypes.json"

DEFAULT_SUPPORT_NOTE = (
    "If you are thinking about ending your life or harming yourself, please reach out now: in the UK call "
    "Samaritans on 116 123, in the US call or text 988, or contact your local emergency number. "
    "You can also talk to your MS nurse or GP. You are not alone, and our moderators are here to help."
)
DEFAULT_REJECT_REASONS = ["harassment", "hate", "misinformation", "spam", "off-topic", "other"]


def seed_defaults(session: Session) -> dict[str, int]:
    added = {"claims": 0, "settings": 0}
    if session.scalar(select(func.count(Claim.id))) == 0 and CLAIMS_FILE.exists():
        rows = claims.parse_json(CLAIMS_FILE.read_text())
        added["claims"] = claims.import_claims(session, rows, actor="system")["created"]
    defaults: dict[str, Any] = {
        "support_note": {"text": DEFAULT_SUPPORT_NOTE},
        "reject_reasons": {"codes": DEFAULT_REJECT_REASONS},
    }
    if HARM_PROTOTYPES_FILE.exists():
        defaults["harm_prototypes"] = json.loads(HARM_PROTOTYPES_FILE.read_text())
    for key, value in defaults.items():
        if session.get(Setting, key) is None:
            session.add(Setting(key=key, value=value))
            added["settings"] += 1
    session.commit()
    return added
