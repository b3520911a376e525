"""Ring evidence a person can read: repeated reasons grouped with their figures' range, shared
identifiers listed with their values, claims numbered alike in the picture and the tables; the
decision summary, the reassign list, business days, and error pages with the top bar."""

from __future__ import annotations

import datetime as dt
import re

from review_support import signed_in
from sqlalchemy import Engine, select

from claimscreen.review.app import _business_days
from claimscreen.review.cases import grouped_reasons
from claimscreen.review.db import cases


def test_repeated_reasons_are_one_line_with_the_range_of_their_figures() -> None:
    texts = [[f"The application was completed in {s} seconds.", "Filed from abroad."] for s in (40, 75, 52)]
    texts.append(["Filed from abroad.", "Paid to 1,200 accounts."])
    assert grouped_reasons(texts) == [
        ("The application was completed in 40–75 seconds.", 3),
        ("Filed from abroad.", 4),
        ("Paid to 1,200 accounts.", 1),
    ]


def _ring_case(published: Engine) -> int:
    query = select(cases.c.id).where(cases.c.ring_id.is_not(None), cases.c.claims > 1)
    with published.connect() as conn:
        return int(conn.execute(query.order_by(cases.c.id)).scalars().first())


def test_a_ring_case_page_reads_plainly(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    case_id = _ring_case(published)
    page = signed_in(app, "sam").get(f"/cases/{case_id}").text
    assert "bank_account:" not in page and "What the claims share" in page
    shared = re.findall(r"<li><strong>([^<]+)</strong> ([^<]+): (\d+) claims \(([#\d, ]+)\)</li>", page)
    assert shared, "each shared identifier is listed with its value"
    for _, _, count, numbers in shared:
        assert len(numbers.split(",")) == int(count)
    # The claims table numbers each claim as the ring's picture and member table do.
    members = dict(re.findall(r'<td data-label="#">(\d+)</td><td data-label="Claim">([^<]+)</td>', page))
    svg_numbers = re.findall(r'<text x="[^"]+" y="[^"]+" text-anchor="middle">(\d+)</text>', page)
    assert set(members) <= set(svg_numbers)
    assert re.search(r"<strong>All \d+ claims:</strong>", page)
    assert re.search(r'id="decide-summary"|Assign the case to yourself', page)
    assert '<option value="" selected>nobody chosen</option>' in page and '<option value="ada">' not in page
    assert "business days" in page


def test_business_days_skip_weekends() -> None:
    today = dt.datetime.now(dt.UTC)
    assert _business_days(today) == 0
    assert _business_days(today - dt.timedelta(days=7)) == 5
    assert _business_days(today - dt.timedelta(days=14)) == 10


def test_an_unknown_address_shows_the_error_page_with_the_top_bar(app) -> None:  # type: ignore[no-untyped-def]
    response = signed_in(app, "alice").get("/no/such/page")
    assert response.status_code == 404
    assert "Not found" in response.text and 'href="/queue' in response.text and "Sign out" in response.text


def test_a_printed_case_page_is_the_case_file(app, published: Engine) -> None:  # type: ignore[no-untyped-def]
    page = signed_in(app, "sam").get(f"/cases/{_ring_case(published)}").text
    assert 'class="print-only">Case file, printed by sam' in page
    assert 'class="actions noprint"' in page
    css = signed_in(app, "sam").get("/static/app.css").text
    printed = css[css.index("@media print") :]
    assert "form" in printed and ".noprint" in printed and ".print-only { display: block" in printed
