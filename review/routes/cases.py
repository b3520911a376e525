"""A case: its page, taking and giving it, reopening it, a decision (confirmed first when it
covers several claims), a note.
"""

from __future__ import annotations

from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from claimscreen.review import cases as work
from claimscreen.review.alerts import verification_of
from claimscreen.review.auth import role_at_least
from claimscreen.review.db import is_postgres, statements, writing
from claimscreen.review.notices import NOTICE_OUTCOMES
from claimscreen.review.ring_picture import ring_picture
from claimscreen.review.web import (
    CaseId,
    CurrentUser,
    Supervisor,
    active_names,
    check_csrf,
    form_version,
    redirect_to,
    render_page,
)

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(check_csrf)])


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: CaseId, user: CurrentUser) -> HTMLResponse:
    engine = request.app.state.engine
    boss = role_at_least(user["role"], "supervisor")
    postgres = is_postgres(engine)
    # Read first, then record the view. On PostgreSQL on the same connection, each statement
    # committing on its own (no BEGIN or COMMIT round trip); on SQLite in a short write
    # transaction of its own, so that SQLite's write lock is held for one INSERT, not for
    # the whole page's reads.
    with statements(engine) as conn:
        detail = work.case_detail(conn, case_id)
        if detail is None:
            raise work.CaseError("no such case", 404)
        trail = work.audit_log(conn, 1, case_id)[0] if boss else []
        names = active_names(request, conn)
        checks = verification_of(conn, detail["claims"], request.app.state.no_response_days)
        if postgres:
            work.record_view(conn, user, case_id)
    if not postgres:
        with writing(engine) as conn:
            work.record_view(conn, user, case_id)
    ring = detail["ring"]
    picture = None
    if ring:
        focus = {c["claim_id"] for c in detail["claims"]}
        picture = ring_picture(ring["members"], ring["links"], focus)
    context = {**detail, "picture": picture, "trail": trail, "names": names, "outcomes": work.OUTCOMES,
               "notice_outcomes": NOTICE_OUTCOMES, "verification": checks}  # fmt: skip
    return render_page(request, "case.html", context, user)


@router.post("/cases/{case_id}/assign")
def assign(request: Request, case_id: CaseId, user: CurrentUser) -> Response:
    with writing(request.app.state.engine) as conn:
        work.assign_to_me(conn, user, case_id)
    return redirect_to(request, f"/cases/{case_id}", "The case is yours.")


@router.post("/cases/{case_id}/unassign")
def unassign(
    request: Request, case_id: CaseId, user: CurrentUser, version: Annotated[str, Form()] = ""
) -> Response:
    with writing(request.app.state.engine) as conn:
        work.unassign(conn, user, case_id, form_version({"version": version}, False))
    return redirect_to(request, "/queue", f"Case {case_id} is back in the queue.")


@router.post("/cases/{case_id}/reassign")
def reassign(
    request: Request,
    case_id: CaseId,
    to: Annotated[str, Form(max_length=64)],
    user: Supervisor,
    version: Annotated[str, Form()] = "",
) -> Response:
    with writing(request.app.state.engine) as conn:
        work.reassign(conn, user, case_id, to, form_version({"version": version}, True))
    return redirect_to(request, f"/cases/{case_id}", f"Case {case_id} given to {to}.")


@router.post("/cases/{case_id}/reopen")
def reopen(
    request: Request, case_id: CaseId, user: Supervisor, version: Annotated[str, Form()] = ""
) -> Response:
    with writing(request.app.state.engine) as conn:
        work.reopen(conn, user, case_id, form_version({"version": version}, False))
    return redirect_to(request, f"/cases/{case_id}", "The case is open again.")


@router.post("/cases/{case_id}/decide")
async def decide(request: Request, case_id: CaseId, user: CurrentUser) -> Response:
    form = await request.form()
    outcome = str(form.get("outcome", ""))
    exceptions = {
        key.removeprefix("exception:"): str(value)
        for key, value in form.items()
        if key.startswith("exception:") and value
    }
    note = str(form.get("note", ""))
    version = form_version(form, True)
    overpayment_text = str(form.get("overpayment", ""))[:32]
    overpayment = work.parse_overpayment(overpayment_text)
    if form.get("confirmed") != "yes":  # a decision on several claims is confirmed first

        def summarize() -> dict[str, Any]:
            with statements(request.app.state.engine) as conn:
                return work.decision_summary(conn, user, case_id, outcome, exceptions, version, overpayment)

        summary = await anyio.to_thread.run_sync(summarize)
        if summary["claims"] > 1:
            context = {
                "summary": summary, "case": summary["case"], "outcome": outcome, "chosen": exceptions,
                "note": note, "overpayment": overpayment_text, "version": version,
            }  # fmt: skip
            return render_page(request, "confirm.html", context, user)

    def record() -> str:
        with writing(request.app.state.engine) as conn:
            return work.decide(conn, user, case_id, outcome, exceptions, note, version, overpayment)

    status = await anyio.to_thread.run_sync(record)
    return redirect_to(request, f"/cases/{case_id}", f"Decision recorded; the case is now {status}.")


@router.post("/cases/{case_id}/notes")
def add_note(
    request: Request, case_id: CaseId, user: CurrentUser, body: Annotated[str, Form()] = ""
) -> Response:
    with writing(request.app.state.engine) as conn:
        work.add_note(conn, user, case_id, body)
    return redirect_to(request, f"/cases/{case_id}", "Note added.")
