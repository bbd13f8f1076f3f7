"""Members and invitations: list, invite (the link is shown once), revoke, change roles, remove."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import choices, submit, text
from console.guard import signed_in
from console.screens import page, run_screen, screen_status


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
    return await submit(request, "ConsoleInviteMember", "inviteMember", {"input": values}, show=_screen,
                        form="invite", values=values, more=lambda ok: {"link": _invite_link(request, ok["token"])},
                        notice=lambda ok: f"Invitation created for {ok['invitation']['email']}.")


async def revoke_invitation(request: Request) -> Response:
    """POST /console/admin/members/invitations/{id}/revoke: withdraw an open invitation."""
    invitation_id = request.path_params["invitation_id"]
    return await submit(request, "ConsoleRevokeInvitation", "revokeInvitation", {"id": invitation_id}, show=_screen,
                        form=f"invitation:{invitation_id}",
                        notice=lambda ok: f"Invitation for {ok['invitation']['email']} withdrawn.")


async def update_roles(request: Request) -> Response:
    """POST /console/admin/members/{user_id}/roles: replace a member's roles."""
    user_id = request.path_params["user_id"]
    variables = {"userId": user_id, "roles": choices(await request.form(), "roles")}
    return await submit(request, "ConsoleUpdateMemberRoles", "updateMemberRoles", variables, show=_screen,
                        form=f"roles:{user_id}",
                        notice=lambda ok: f"{ok['member']['email']} now has: {', '.join(ok['member']['roles'])}.")


async def remove(request: Request) -> Response:
    """POST /console/admin/members/{user_id}/remove: remove a member from the tenant."""
    user_id = request.path_params["user_id"]
    return await submit(request, "ConsoleRemoveMember", "removeMember", {"userId": user_id}, show=_screen,
                        form=f"remove:{user_id}", notice="Member removed.")


routes = [
    Route("/admin/members", signed_in(members_page), methods=["GET"], name="console_members"),
    Route("/admin/members/invite", signed_in(invite), methods=["POST"], name="console_invite_member"),
    Route("/admin/members/invitations/{invitation_id}/revoke", signed_in(revoke_invitation), methods=["POST"],
          name="console_revoke_invitation"),
    Route("/admin/members/{user_id}/roles", signed_in(update_roles), methods=["POST"],
          name="console_member_roles"),
    Route("/admin/members/{user_id}/remove", signed_in(remove), methods=["POST"], name="console_remove_member"),
]
