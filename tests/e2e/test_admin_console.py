"""Acceptance of the moderator console in real Chromium: comments submitted over the forum API are
scored by a real worker, worked from the queue with the keyboard, locked by claims, and an admin's
policy change decides the next comment."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import LAPTOP, PHONE, Service, sign_in

pytestmark = pytest.mark.e2e

TOXIC = "You are a worthless idiot and everyone here is sick of your stupid posts."
MISINFORMATION = "Getting stung by bees every day reversed my MS. Bee venom stops MS relapses for good."
RUDE = "Shut up, you pathetic moron. Nobody cares about your stupid MS diary."


@pytest.fixture(scope="module")
def queued(service: Service) -> dict[str, str]:
    """Three comments through the API, decided by the real worker: all must wait for a human."""
    run = uuid.uuid4().hex[:6]
    ids = {
        "toxic": service.submit(TOXIC, f"toxic-{run}"),
        "misinformation": service.submit(MISINFORMATION, f"misinfo-{run}"),
        "contested": service.submit(RUDE, f"rude-{run}"),
    }
    for name, comment_id in ids.items():
        comment = service.wait_decided(comment_id, timeout=150)
        assert comment["status"] == "pending_review", (name, comment)
    reasons = service.comment(ids["misinformation"])["decision"]["reasons"]
    assert any(r["code"] == "misinformation" for r in reasons), reasons
    return ids


def row_of(page: Any, comment_id: str) -> Any:
    return page.locator(f'tr.row[data-id="{comment_id}"]')


def move_cursor_to(page: Any, comment_id: str) -> None:
    """Press j until the keyboard cursor is on the comment's row."""
    for _ in range(page.locator("tr.row").count()):
        if "current" in (row_of(page, comment_id).get_attribute("class") or ""):
            return
        page.keyboard.press("j")
    raise AssertionError(f"cursor never reached {comment_id}")


def test_a_moderator_approves_and_rejects_from_the_queue_with_the_keyboard(
    browser: Any, service: Service, queued: dict[str, str], screenshots: Path
) -> None:
    page = sign_in(browser, service, "mia")
    page.goto("/admin/queue")
    toxic, misinformation = row_of(page, queued["toxic"]), row_of(page, queued["misinformation"])
    assert toxic.is_visible()
    assert misinformation.is_visible()
    assert "toxicity" in toxic.inner_text()
    assert "misinformation" in misinformation.inner_text()
    assert misinformation.locator("mark").count() >= 1  # the matched sentence is highlighted
    page.screenshot(path=screenshots / "queue-laptop.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=screenshots / "queue-phone.png", full_page=True)
    page.set_viewport_size(LAPTOP)

    page.keyboard.press("?")
    assert page.locator("#shortcuts").is_visible()
    page.keyboard.press("Escape")

    move_cursor_to(page, queued["toxic"])
    page.keyboard.press("a")
    page.wait_for_selector("text=Approved and published.")
    assert row_of(page, queued["toxic"]).count() == 0

    move_cursor_to(page, queued["misinformation"])
    page.keyboard.press("r")
    dialog = page.locator("#reject-dialog")
    assert dialog.is_visible()
    page.keyboard.press("3")  # the third default reason: misinformation
    assert dialog.locator('input[value="misinformation"]').is_checked()
    dialog.get_by_role("button", name="Reject", exact=True).click()
    page.wait_for_selector("text=Rejected.")
    assert row_of(page, queued["misinformation"]).count() == 0

    assert service.comment(queued["toxic"])["status"] == "published"
    rejected = service.comment(queued["misinformation"])
    assert rejected["status"] == "rejected"
    assert rejected["decision"]["decided_by"] == "mia"
    assert rejected["decision"]["reasons"][0]["code"] == "misinformation"
    page.context.close()


def test_two_moderators_see_the_claim_lock(
    browser: Any, service: Service, queued: dict[str, str], screenshots: Path
) -> None:
    item = f"/admin/queue/{queued['contested']}"
    mia, noah = sign_in(browser, service, "mia"), sign_in(browser, service, "noah")

    mia.goto(item)
    assert "This item is yours" in mia.locator("#claim-banner").inner_text()
    mia.screenshot(path=screenshots / "item-laptop.png", full_page=True)

    noah.goto(item)
    assert "mia is reviewing this item" in noah.locator("#claim-banner").inner_text()
    assert noah.get_by_role("button", name=re.compile("^Approve")).is_disabled()
    csrf = noah.locator("body").get_attribute("data-csrf")
    forced = noah.request.post(f"{item}/decide", form={"_csrf": csrf, "action": "approve"}, max_redirects=0)
    assert forced.status == 409
    assert "mia" in forced.text()
    assert service.comment(queued["contested"])["status"] == "pending_review"

    mia.set_viewport_size(PHONE)
    mia.reload()
    mia.screenshot(path=screenshots / "item-phone.png", full_page=True)
    mia.keyboard.press("a")
    mia.wait_for_selector("text=Approved and published.")
    assert service.comment(queued["contested"])["status"] == "published"
    mia.context.close()
    noah.context.close()


def test_a_moderator_is_refused_the_policy_page(browser: Any, service: Service) -> None:
    page = sign_in(browser, service, "noah")
    response = page.goto("/admin/policy")
    assert response is not None
    assert response.status == 403
    assert page.get_by_role("heading", name="Not allowed").is_visible()
    assert page.get_by_role("link", name="Policy").count() == 0  # not even offered in the menu
    page.context.close()


def test_an_admin_previews_and_saves_a_threshold_and_the_next_comment_uses_it(
    browser: Any, service: Service, queued: dict[str, str], screenshots: Path
) -> None:
    page = sign_in(browser, service, "ada")
    page.goto("/admin/policy")
    before = int(re.search(r"version (\d+) is current", page.inner_text("h1")).group(1))  # type: ignore[union-attr]
    page.locator("#review-toxicity").fill("0.01")
    page.locator("#reject-toxicity").fill("0.02")
    page.get_by_label("Note for the history").fill("e2e: reject anything toxic")
    page.get_by_role("button", name="Preview impact").click()
    impact = page.locator("#impact")
    impact.wait_for()
    assert re.search(r"Impact on \d+ recent comments", impact.inner_text())
    draft_rejected = int(impact.locator('td[data-outcome="rejected"]').inner_text().split()[0])
    assert draft_rejected >= 1  # the scored comments above all have some toxicity
    page.screenshot(path=screenshots / "policy-preview-laptop.png", full_page=True)

    page.get_by_role("button", name=re.compile("^Save as version")).click()
    page.wait_for_selector(f"text=Saved policy version {before + 1}")

    decided = service.wait_decided(service.submit(TOXIC, f"after-{uuid.uuid4().hex[:6]}"), timeout=90)
    assert decided["decision"]["policy_version"] == before + 1
    assert decided["status"] == "rejected"

    page.goto("/admin/dashboard")
    page.screenshot(path=screenshots / "dashboard-laptop.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=screenshots / "dashboard-phone.png", full_page=True)
    page.context.close()


def test_an_admin_adds_a_crisis_prototype_and_the_next_comment_in_those_words_is_urgent(
    browser: Any, service: Service, screenshots: Path
) -> None:
    page = sign_in(browser, service, "ada")
    page.goto("/admin/settings")
    page.get_by_role("link", name="Edit the prototype sentences").click()
    page.locator("#add-crisis").fill("The Swiss clinic has accepted my paperwork for an assisted death.")
    page.get_by_role("button", name="Save crisis list").click()
    page.wait_for_selector("text=Saved the crisis list")
    assert page.get_by_label(re.compile(r"^Crisis sentence \d+$")).last.input_value().startswith("The Swiss clinic")
    page.screenshot(path=screenshots / "harm-prototypes-laptop.png", full_page=True)

    # the worker started before the edit: it must follow without a restart
    decided = service.wait_decided(
        service.submit("Flights to Zurich are booked and the clinic has my forms.", f"swiss-{uuid.uuid4().hex[:6]}")
    )
    assert decided["scores"]["crisis"] >= 0.3  # the default policy's urgent review line (the seed lists give ~0.1)
    assert (decided["status"], decided["priority"]) == ("pending_review", "urgent")
    page.context.close()
