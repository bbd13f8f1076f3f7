"""AI screens: the tenant's usage (credits, ledger, recent calls) and the platform's model approvals."""

from console.views.ai import models, usage

routes = [*usage.routes, *models.routes]
