"""The supervisor's pages: the dashboard (with the claimant ledger of the run reports and the
night's waiting-time plot) and the audit trail."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse

from claimscreen.models.ledger import wait_plot_path
from claimscreen.review import cases as work
from claimscreen.review.dashboard import claimant_ledger, dashboard
from claimscreen.review.db import reading
from claimscreen.review.web import (
    MAX_ID,
    Filter,
    PageNumber,
    Supervisor,
    check_csrf,
    render_page,
)

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(check_csrf)])


@router.get("/supervisor", response_class=HTMLResponse)
def supervisor_page(request: Request, user: Supervisor) -> HTMLResponse:
    with reading(request.app.state.engine) as conn:
        figures = dashboard(conn)
    ledger = claimant_ledger(request.app.state.home)  # the run reports' figures, never the lake
    return render_page(request, "dashboard.html", {"figures": figures, "ledger": ledger}, user)


@router.get("/supervisor/waits/{night}.png")
def wait_plot(request: Request, night: Annotated[dt.date, PathParam()], user: Supervisor) -> FileResponse:
    """The waiting-time plot the night's run wrote beside its report (HOME/runs/D-waits.png)."""
    path = wait_plot_path(request.app.state.home, night)
    if not path.is_file():
        raise work.CaseError("no waiting-time plot was written for that night", 404)
    return FileResponse(path, media_type="image/png")


@router.get("/supervisor/audit", response_class=HTMLResponse)
def audit_page(request: Request, user: Supervisor, page: PageNumber = 1, case: Filter = "") -> HTMLResponse:
    case_id = int(case) if case.isdigit() and int(case) <= MAX_ID else None
    with reading(request.app.state.engine) as conn:
        events, total = work.audit_log(conn, page, case_id)
    pages = max(1, -(-total // work.PAGE_SIZE))
    context = {"events": events, "total": total, "page": page, "pages": pages, "case": case}
    return render_page(request, "audit.html", context, user)
