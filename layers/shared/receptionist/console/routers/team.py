"""The owner's team page (owners only: anyone else of the business gets a 403 with
"team_owners_only"'s sentence).

- GET  /console/team: every account of the business (e-mail, role, active), the invitation form,
  whether staff need a second factor
- POST /console/team/invite: a colleague by e-mail with a role; Cognito e-mails the invitation
- POST /console/team/<sub>/role | disable | enable | remove
- POST /console/team/<sub>/member: the member (a person who takes appointments) the account is
- POST /console/team/mfa: staff need a second factor (or not)"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from receptionist.console.dependencies import CSRF, OwnersOnly, Parts, Session
from receptionist.console.errors import ConsoleError, Unavailable
from receptionist.console.forms.team import InviteForm, MemberLinkForm, RoleForm, StaffMfaForm
from receptionist.console.services.team import TeamService
from receptionist.console.web import BASE, render, see_other
from receptionist.crm.inbox import StaffAccount

owner_account = OwnersOnly("team_owners_only")
Owner = Annotated[StaffAccount, Depends(owner_account)]
router = APIRouter(prefix=f"{BASE}/team", dependencies=[Depends(owner_account)])

NOTICES = ("invited", "saved", "removed")


def _service(db: Session, owner: Owner, parts: Parts) -> TeamService:
    if parts.accounts is None:
        raise Unavailable("team_unavailable")
    return TeamService(db, owner, parts.accounts, parts.calendar, parts.now)


Team = Annotated[TeamService, Depends(_service)]


def _page(
    request: Request,
    team: TeamService,
    *,
    status: int = 200,
    error: str = "",
    typed: dict[str, str] | None = None,
    notice: str = "",
) -> HTMLResponse:
    return render(
        request,
        "team.html",
        status=status,
        account=team.owner,
        members=team.members(),
        staff_mfa=team.staff_mfa(),
        professionals=team.professionals(),
        links=team.member_links(),
        error=error,
        typed=typed or {},
        notice=notice if notice in NOTICES else "",
    )


@router.get("")
def team_page(request: Request, team: Team, notice: str = "") -> HTMLResponse:
    return _page(request, team, notice=notice)


@router.post("/invite", dependencies=[CSRF])
def invite(request: Request, form: Annotated[InviteForm, Form()], team: Team) -> Response:
    try:
        email, role = form.checked()
        team.invite(email, role)
    except ConsoleError as exc:
        return _page(request, team, status=exc.status, error=exc.code, typed={"email": form.email, "role": form.role})
    return see_other(f"{BASE}/team?notice=invited")


@router.post("/mfa", dependencies=[CSRF])
def staff_mfa(form: Annotated[StaffMfaForm, Form()], team: Team) -> Response:
    team.set_staff_mfa(form.checked())
    return see_other(f"{BASE}/team?notice=saved")


@router.post("/{sub}/role", dependencies=[CSRF])
def change_role(request: Request, sub: str, form: Annotated[RoleForm, Form()], team: Team) -> Response:
    try:
        team.set_role(sub, form.checked())
    except ConsoleError as exc:
        return _page(request, team, status=exc.status, error=exc.code)
    return see_other(f"{BASE}/team?notice=saved")


@router.post("/{sub}/member", dependencies=[CSRF])
def link_member(request: Request, sub: str, form: Annotated[MemberLinkForm, Form()], team: Team) -> Response:
    """The member (a person who takes appointments) this account is: whose calendar it connects."""
    try:
        team.set_member(sub, form.checked())
    except ConsoleError as exc:
        return _page(request, team, status=exc.status, error=exc.code)
    return see_other(f"{BASE}/team?notice=saved")


@router.post("/{sub}/{action}", dependencies=[CSRF])
def change(request: Request, sub: str, action: str, team: Team) -> Response:
    steps = {"disable": team.disable, "enable": team.enable, "remove": team.remove}
    step = steps.get(action)
    if step is None:
        return _page(request, team, status=404, error="team_not_found")
    try:
        step(sub)
    except ConsoleError as exc:
        return _page(request, team, status=exc.status, error=exc.code)
    return see_other(f"{BASE}/team?notice={'removed' if action == 'remove' else 'saved'}")
