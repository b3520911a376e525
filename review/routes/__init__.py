"""The review application's routes, one router per area; each runs the CSRF and Origin checks
(:func:`claimscreen.review.web.check_csrf`) on every state-changing request.

| router | pages |
|---|---|
| :mod:`.auth` | ``/healthz``, ``/login``, ``/login/oidc``, the identity provider's callback, ``/logout`` |
| :mod:`.queue` | ``/``, ``/queue``, ``/queue/assign``, ``/queue/next`` |
| :mod:`.cases` | ``/cases/{id}`` and its acts: assign, unassign, reassign, reopen, decide, notes |
| :mod:`.notices` | ``/cases/{id}/notice/{claim_id}`` |
| :mod:`.supervisor` | ``/supervisor``, ``/supervisor/audit`` |
"""

from __future__ import annotations

from fastapi import APIRouter

from claimscreen.review.routes import auth, cases, notices, queue, supervisor

__all__ = ["ROUTERS"]

#: Every area's router, in the order the application includes them.
ROUTERS: tuple[APIRouter, ...] = tuple(m.router for m in (auth, queue, cases, notices, supervisor))
