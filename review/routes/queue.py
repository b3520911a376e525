"""The queue: the list of cases with its filters, search and sort; a supervisor's bulk
assignment; "next case".
"""

from __future__ import annotations

from urllib.parse import urlencode

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from claimscreen.review import cases as work
from claimscreen.review.auth import role_at_least
from claimscreen.review.db import statements
from claimscreen.review.search import query_terms
from claimscreen.review.web import (
    MAX_ID,
    CurrentUser,
    Filter,
    PageNumber,
    Supervisor,
    active_names,
    check_csrf,
    date_or_none,
    known_code,
    reason_codes_cached,
    reason_label,
    redirect_to,
    render_page,
    safe_next,
)

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(check_csrf)])


@router.get("/")
def root(user: CurrentUser) -> Response:
    return RedirectResponse("/queue", status_code=303)


@router.get("/queue", response_class=HTMLResponse)
def queue(
    request: Request,
    user: CurrentUser,
    status: Filter = "",
    reason: Filter = "",
    ring: Filter = "",
    night: Filter = "",
    assignee: Filter = "",
    q: Filter = "",
    sort: Filter = "",
    kind: Filter = "",
    page: PageNumber = 1,
) -> HTMLResponse:
    lookback = kind == "lookback"
    terms, kind = query_terms(q)
    status = status or ("all" if q.strip() else "open")  # a search looks at every case
    with statements(request.app.state.engine) as conn:
        codes = reason_codes_cached(request, conn)
        reason = known_code(reason.strip(), codes)
        chosen = work.QueueFilter(
            status, reason, ring.strip(), date_or_none(night), assignee.strip(), tuple(terms),
            bool(q.strip()), sort if sort in work.SORTS else "", lookback,
        )  # fmt: skip
        rows, total, exact = work.list_queue(conn, chosen, user, page)
        names = active_names(request, conn)
    pages = max(1, -(-total // work.PAGE_SIZE))
    shown_q = "" if kind == "full_ssn" else q.strip()
    query = {"q": shown_q, "status": status, "reason": reason, "ring": ring, "night": night,
             "assignee": assignee, "kind": "lookback" if lookback else ""}  # fmt: skip
    filters = urlencode({k: v for k, v in query.items() if v})
    context = {
        "rows": rows, "total": total, "exact": exact, "page": page, "pages": pages, "chosen": chosen,
        "query": urlencode({k: v for k, v in {**query, "sort": chosen.sort}.items() if v}),
        "filters": filters, "names": names, "q": shown_q, "full_ssn": kind == "full_ssn",
        "reasons": [(c, reason_label(c)) for c in codes], "sorts": work.SORTS,
        "statuses": work.STATUSES, "night": night, "first": (page - 1) * work.PAGE_SIZE,
        "boss": role_at_least(user["role"], "supervisor"),
    }  # fmt: skip
    return render_page(request, "queue.html", context, user)


@router.post("/queue/assign")
async def bulk_assign(request: Request, user: Supervisor) -> Response:
    form = await request.form()
    to = str(form.get("to", ""))[:64]
    versions: dict[int, int] = {}
    for value in form.getlist("case")[: work.PAGE_SIZE]:
        case_id, _, version = str(value).partition(":")
        if case_id.isdigit() and version.isdigit() and int(case_id) <= MAX_ID and len(version) <= 9:
            versions[int(case_id)] = int(version)
    if not to or not versions:
        raise work.CaseError("choose the cases and the person to give them to", 400)
    engine = request.app.state.engine
    refused = await anyio.to_thread.run_sync(lambda: work.reassign_many(engine, user, versions, to))
    done = len(versions) - len(refused)
    message = f"{done} case{'' if done == 1 else 's'} given to {to}."
    if refused:
        message += " Not done: " + "; ".join(refused[:3]) + (" ..." if len(refused) > 3 else "")
    back = str(form.get("back", ""))
    return redirect_to(request, safe_next(back) if back.startswith("/queue") else "/queue", message)


@router.post("/queue/next")
def next_case(request: Request, user: CurrentUser) -> Response:
    case_id = work.claim_next(request.app.state.engine, user)
    if case_id is None:
        return redirect_to(request, "/queue", "No unassigned open case is left.")
    return redirect_to(request, f"/cases/{case_id}", "The case is yours.")
