"""Notices in the claimant's language (issue #19): a Spanish letter for a claimant who prefers
Spanish, dates written the Spanish way, English with a note to the investigator otherwise; every
message of the letter has its translation in each catalog shipped."""

from __future__ import annotations

import datetime as dt
import re

from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from review_support import post, signed_in
from sqlalchemy import Engine, select, update

from claimscreen.review.db import case_claims, cases, claims
from claimscreen.review.notices import HERE, LOCALES, draft_notice, languages, render_letter


def _notice_for(app, published: Engine, language: str | None) -> str:  # type: ignore[no-untyped-def]
    """The notice page of a single claim sent to verification, its claimant preferring ``language``."""
    with published.begin() as conn:
        case_id, claim_id = conn.execute(
            select(cases.c.id, case_claims.c.claim_id)
            .join(case_claims, case_claims.c.case_id == cases.c.id)
            .where(cases.c.claims == 1, cases.c.status == "open")
            .order_by(cases.c.id)
            .limit(1)
        ).one()
        conn.execute(update(claims).where(claims.c.claim_id == claim_id).values(language=language))
    alice = signed_in(app, "alice")
    post(alice, f"/cases/{case_id}/assign")
    assert post(alice, f"/cases/{case_id}/decide", outcome="needs_verification").status_code == 303
    page = alice.get(f"/cases/{case_id}").text
    link = re.search(r'href="(/cases/\d+/notice/[^"]+)"', page)
    assert link
    response = alice.get(link.group(1).replace("&amp;", "&"))
    assert response.status_code == 200
    return response.text


def test_a_claimant_who_prefers_spanish_gets_a_spanish_letter(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    page = _notice_for(app, published, "es")
    assert '<article class="notice" lang="es">' in page
    assert "Su solicitud <strong>no</strong> ha sido denegada." in page
    assert "Sus derechos." in page and "audiencia imparcial" in page
    assert re.search(r"responda a más tardar el <strong>\d{1,2} de [a-z]+ de \d{4}</strong>", page)
    assert "has <strong>not</strong> been denied" not in page
    assert "The letter is in Spanish" in page  # the investigator's note: the reasons stay in English


def test_a_language_without_a_translation_gets_english_and_a_note(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    page = _notice_for(app, published, "vi")
    assert '<article class="notice" lang="en">' in page
    assert "has <strong>not</strong> been denied" in page
    assert re.search(r"Please respond by <strong>[A-Z][a-z]+ \d{1,2}, \d{4}</strong>", page)
    notes = page.split('id="notice-notes"')[1].split("</div>")[0]
    assert "Vietnamese (vi)" in notes and "no translation yet" in notes


def test_english_needs_no_note(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    page = _notice_for(app, published, "en")
    assert '<article class="notice" lang="en">' in page and 'id="notice-notes"' not in page


def test_every_message_of_the_letter_is_translated_in_each_catalog() -> None:
    template = HERE / "templates" / "notice_letter.html"
    wanted = {
        message if isinstance(message, str) else message[0]
        for _, message, _, _ in extract_from_file(
            "jinja2", str(template), options={"extensions": "jinja2.ext.i18n"}
        )
    }
    assert len(wanted) >= 10
    assert languages()[0] == "en" and "es" in languages()
    for language in languages()[1:]:
        with open(LOCALES / language / "LC_MESSAGES" / "messages.po", "rb") as source:
            catalog = read_po(source)
        translated = {m.id for m in catalog if m.id and m.string}
        assert wanted <= translated, f"{language}: {sorted(wanted - translated)[:2]}"
        assert not {m.id for m in catalog if m.id} - wanted, f"{language} holds messages the letter lacks"


def test_a_notice_renders_each_language_in_its_own_environment() -> None:
    claim = {"claim_id": "C1", "first_name": "Ana", "last_name": "Ruiz",
             "filed_at": dt.datetime(2026, 10, 1, 9), "reason_text": ["A reason"]}  # fmt: skip
    spanish = draft_notice({**claim, "language": "es"}, "fraud", dt.date(2026, 10, 15))
    english = draft_notice({**claim, "language": "EN"}, "fraud", dt.date(2026, 10, 15))
    assert "15 de octubre de 2026" in render_letter(spanish)
    assert "October 15, 2026" in render_letter(english)
    assert "25 de octubre de 2026" in render_letter(spanish)  # respond by: ten days on
    assert "tiene derecho a darnos su versión" in render_letter(spanish)


def test_the_letter_carries_the_agency_letterhead_from_the_settings() -> None:
    from claimscreen.data.settings import AgencySettings

    claim = {"claim_id": "C1", "first_name": "Ana", "last_name": "Ruiz", "language": "es",
             "filed_at": dt.datetime(2026, 10, 1, 9), "reason_text": ["A reason"]}  # fmt: skip
    agency = AgencySettings(
        name="Ohio Department of Job & Family Services",
        phone="1-877-644-6562",
        website="unemployment.ohio.gov",
    )
    letter = render_letter(draft_notice(claim, "fraud", dt.date(2026, 10, 15), agency))
    assert (
        '<header class="letterhead">Ohio Department of Job &amp; Family Services<br>1-877-644-6562<br>'
        in letter
    )
    assert "unemployment.ohio.gov</header>" in letter
    assert "letterhead" not in render_letter(draft_notice(claim, "fraud", dt.date(2026, 10, 15)))


def test_the_notice_page_reads_the_agency_from_the_home_settings(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    settings = app.state.home / "settings.toml"
    before = settings.read_text() if settings.exists() else None
    settings.write_text(
        (before or "") + '\n[agency]\nname = "State Workforce Agency"\nphone = "1-800-555-0100"\n'
    )
    try:
        page = _notice_for(app, published, "en")
    finally:
        if before is None:
            settings.unlink()
        else:
            settings.write_text(before)
    assert "State Workforce Agency<br>1-800-555-0100</header>" in page
