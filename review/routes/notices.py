"""The notice a decision needs: drafted in the claimant's language, for print."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse

from claimscreen.data.settings import load_settings
from claimscreen.review import cases as work
from claimscreen.review.db import writing
from claimscreen.review.notices import NOTICE_OUTCOMES, draft_notice, render_letter
from claimscreen.review.web import (
    CaseId,
    CurrentUser,
    check_csrf,
    render_page,
)

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(check_csrf)])


@router.get("/cases/{case_id}/notice/{claim_id}", response_class=HTMLResponse)
def notice(
    request: Request,
    case_id: CaseId,
    claim_id: Annotated[str, PathParam(max_length=64)],
    user: CurrentUser,
) -> HTMLResponse:
    with writing(request.app.state.engine) as conn:
        detail = work.case_detail(conn, case_id)
        claim = next((c for c in detail["claims"] if c["claim_id"] == claim_id), None) if detail else None
        if claim is None:
            raise work.CaseError("no such claim in this case", 404)
        decision = claim["decision"]
        if decision is None or decision["outcome"] not in NOTICE_OUTCOMES:
            raise work.CaseError("a notice is drafted for a claim sent to verification or found fraud")
        agency = load_settings(request.app.state.home).agency
        draft = draft_notice(claim, decision["outcome"], dt.date.today(), agency)
        work.audit(
            conn, user, "notice_drafted", case_id, claim_id=claim_id, after={"language": draft.language}
        )
    context = {"notice": draft, "letter": render_letter(draft), "case_id": case_id}
    return render_page(request, "notice.html", context, user)
