"""The AI pipeline panel's buttons: run one step again (``rerunAiPipelineStep``), draft a status update for
responders or executives (``draftIncidentUpdate``, shown in the panel, not sent anywhere)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.forms import refused, submit, text, validation
from console.guard import signed_in
from console.views.incidents.detail import detail_screen
from console.views.incidents.pipeline import STEPS

AUDIENCES = ("responders", "executives")


async def rerun(request: Request) -> Response:
    """POST /console/incidents/{incident_id}/ai/rerun: queue one more run of ``step``."""
    step = text(await request.form(), "step")
    if step not in dict(STEPS):
        return await detail_screen(request, outcome=refused(validation(f"Unknown step {step!r}.", "step"), "ai"))
    labels = dict(STEPS)
    return await submit(request, "ConsoleRerunAiPipelineStep", "rerunAiPipelineStep",
                        {"incidentId": request.path_params["incident_id"], "step": step}, show=detail_screen,
                        form="ai", notice=lambda ok: f"{labels[ok['step']['step']]} queued to run again.")


async def draft_update(request: Request) -> Response:
    """POST /console/incidents/{incident_id}/ai/draft: a status-update draft for ``audience``."""
    audience = text(await request.form(), "audience")
    if audience not in AUDIENCES:
        return await detail_screen(request, outcome=refused(
            validation(f"Unknown audience {audience!r}.", "audience"), "ai"))
    return await submit(request, "ConsoleDraftIncidentUpdate", "draftIncidentUpdate",
                        {"incidentId": request.path_params["incident_id"], "audience": audience},
                        show=detail_screen, form="ai", notice=lambda ok: f"Update drafted for {ok['audience']}.",
                        more=lambda ok: {"draft": ok})


routes = [
    Route("/incidents/{incident_id}/ai/rerun", signed_in(rerun), methods=["POST"], name="console_incident_ai_rerun"),
    Route("/incidents/{incident_id}/ai/draft", signed_in(draft_update), methods=["POST"],
          name="console_incident_ai_draft"),
]
