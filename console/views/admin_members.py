"""Members and invitations: list, invite (the link is shown once), revoke, change roles, remove."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.guard import signed_in
from console.views.screens import (
    choices,
    page,
    run_mutation,
    run_screen,
    scope,
    screen_status,
    text,
)


def _invite_link(request: Request, token: str) -> str:
    """The absolute acceptance link (on ATLAS_PUBLIC_URL when set)."""
    base = request.app.state.settings.public_url or str(request.base_url)
    return f"{base.rstrip('/')}{request.app.url_path_for('console_invite')}?{urlencode({'token': token})}"


async def _screen(
    request: Request, *, outcome: dict[str, Any] | None = None, values: dict[str, Any] | None = None,
) -> Response:
    """The members screen, with the outcome of a change if there was one."""
    can_manage = request.state.principal.can("member.manage")
    after = request.query_params.get("after") if request.method == "GET" else None
    data, errors = await run_screen(request, "ConsoleMembers", {"after": after or None, "canManage": can_manage})
    status = screen_status(outcome, errors, loaded=bool(data.get("members")))
    context = {"data": data, "errors": errors, "outcome": outcome or {}, "values": values or {}}
    return await page(request, "admin/members.html", context, block="screen", status_code=status)


async def members_page(request: Request) -> Response:
    """GET /console/admin/members: members with their roles; invitations for managers."""
    return await _screen(request)


async def invite(request: Request) -> Response:
    """POST /console/admin/members/invite: invite by email; the acceptance link is shown once."""
    form = await request.form()
    values = {"email": text(form, "email"), "roles": choices(form, "roles")}
    outcome = await run_mutation(request, "ConsoleInviteMember", "inviteMember", {"input": values})
    outcome = scope(outcome, "invite")
    if outcome["ok"]:
        token = outcome["ok"]["token"]
        outcome["link"] = _invite_link(request, token)
        outcome["notice"] = f"Invitation created for {outcome['ok']['invitation']['email']}."
        values = {}
    return await _screen(request, outcome=outcome, values=values)


async def revoke_invitation(request: Request) -> Response:
    """POST /console/admin/members/invitations/{id}/revoke: withdraw an open invitation."""
    variables = {"id": request.path_params["invitation_id"]}
    outcome = await run_mutation(request, "ConsoleRevokeInvitation", "revokeInvitation", variables)
    outcome = scope(outcome, f"invitation:{variables['id']}")
    if outcome["ok"]:
        outcome["notice"] = f"Invitation for {outcome['ok']['invitation']['email']} withdrawn."
    return await _screen(request, outcome=outcome)


async def update_roles(request: Request) -> Response:
    """POST /console/admin/members/{user_id}/roles: replace a member's roles."""
    user_id = request.path_params["user_id"]
    form = await request.form()
    variables = {"userId": user_id, "roles": choices(form, "roles")}
    outcome = await run_mutation(request, "ConsoleUpdateMemberRoles", "updateMemberRoles", variables)
    outcome = scope(outcome, f"roles:{user_id}")
    if outcome["ok"]:
        member = outcome["ok"]["member"]
        outcome["notice"] = f"{member['email']} now has: {', '.join(member['roles'])}."
    return await _screen(request, outcome=outcome)


async def remove(request: Request) -> Response:
    """POST /console/admin/members/{user_id}/remove: remove a member from the tenant."""
    user_id = request.path_params["user_id"]
    outcome = await run_mutation(request, "ConsoleRemoveMember", "removeMember", {"userId": user_id})
    outcome = scope(outcome, f"remove:{user_id}")
    if outcome["ok"]:
        outcome["notice"] = "Member removed."
    return await _screen(request, outcome=outcome)


routes = [
    Route("/admin/members", signed_in(members_page), methods=["GET"], name="console_members"),
    Route("/admin/members/invite", signed_in(invite), methods=["POST"], name="console_invite_member"),
    Route("/admin/members/invitations/{invitation_id}/revoke", signed_in(revoke_invitation), methods=["POST"],
          name="console_revoke_invitation"),
    Route("/admin/members/{user_id}/roles", signed_in(update_roles), methods=["POST"],
          name="console_member_roles"),
    Route("/admin/members/{user_id}/remove", signed_in(remove), methods=["POST"], name="console_remove_member"),
]
