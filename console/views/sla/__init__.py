"""SLA: the policies with a form to add one, the latest breaches and compliance per service and priority."""

from __future__ import annotations

from console.views.sla import dashboard

routes = [*dashboard.routes]
