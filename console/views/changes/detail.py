"""One change: its risk with the reasons, collisions, CIs, the CAB's votes and rule, incidents it caused
or resolved, its history; the moves the viewer may make and, under CAB review, the vote form (approve or
reject, with a comment). Each POST runs one named mutation and shows the change again with the outcome."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import may, refused, submit, text, validation
from console.guard import signed_in
from console.screens import page, run_screen, screen_status
from console.views.changes.list import plain

TEMPLATE = "changes/detail.html"
DECISIONS = ("approve", "reject")


def _id(request: Request) -> str:
    return request.path_params["change_id"]


async def change_screen(request: Request, *, outcome: dict[str, Any] | None = None,
                        values: dict[str, Any] | None = None) -> Response:
    """The change's page, with the outcome of a change and the vote form's values."""
    data, errors = await run_screen(request, "ConsoleChange", {"id": _id(request)})
    change = data.get("change")
    viewer = data.get("viewer") or {}
    if change is not None:
        change = {**plain(change), "moves": [m.lower() for m in change["allowedMoves"]]}
    context = {"errors": errors, "outcome": outcome or {}, "values": values or {}, "change": change,
               "can_change": may(data, "change.write", "changes"), "can_vote": may(data, "change.approve"),
               "mine": change is not None and change["requesterId"] == viewer.get("subject"),
               "voted": change is not None and any(v["voter"] == viewer.get("email") for v in change["votes"])}
    missing = change is None and not errors
    status = 404 if missing else screen_status(outcome, errors, loaded=change is not None)
    return await page(request, TEMPLATE, {**context, "missing": missing}, block="screen", status_code=status)


async def change_page(request: Request) -> Response:
    """GET /console/changes/{change_id}."""
    return await change_screen(request)


async def move_change(request: Request) -> Response:
    """POST /console/changes/{change_id}/move: move it to ``to`` (read at ``version``)."""
    form = await request.form()
    to, version = text(form, "to"), text(form, "version")
    variables = {"input": {"id": _id(request), "to": to.upper(), "note": text(form, "note"),
                           "expectedVersion": int(version) if version.isdigit() else None}}
    return await submit(request, "ConsoleTransitionChange", "transitionChange", variables, show=change_screen,
                        form="move", notice=lambda ok: f"{ok['change']['reference']} is now "
                                                       f"{ok['change']['state'].lower().replace('_', ' ')}.")


async def vote(request: Request) -> Response:
    """POST /console/changes/{change_id}/vote: approve or reject, with a comment."""
    form = await request.form()
    values = {"decision": text(form, "decision"), "comment": text(form, "comment")}
    if values["decision"] not in DECISIONS:
        error = validation("Choose approve or reject.", "decision")
        return await change_screen(request, outcome=refused(error, "vote"), values=values)
    variables = {"input": {"id": _id(request), "decision": values["decision"].upper(), "comment": values["comment"]}}
    return await submit(request, "ConsoleVoteOnChange", "voteOnChange", variables, show=change_screen, form="vote",
                        values=values, place=_vote_place, notice=_voted)


def _vote_place(outcome: dict[str, Any], form: str | None) -> dict[str, Any]:
    """A refused vote (your own change, already voted, not a CAB member) shows beside the vote form."""
    return {**outcome, "form": form if outcome["error"] else None}


def _voted(ok: dict[str, Any]) -> str:
    state = ok["change"]["state"].lower().replace("_", " ")
    return f"Vote recorded; {ok['change']['reference']} is {state}."


routes = [
    Route("/changes/{change_id}", signed_in(change_page), methods=["GET"], name="console_change"),
    Route("/changes/{change_id}/move", signed_in(move_change), methods=["POST"], name="console_change_move"),
    Route("/changes/{change_id}/vote", signed_in(vote), methods=["POST"], name="console_change_vote"),
]
