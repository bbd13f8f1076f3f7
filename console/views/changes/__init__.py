"""Changes: the list (with the CAB queue and the change calendar as views of it), raising a change with its
risk and collision warnings, and one change's page with its moves and CAB voting. Routes in matching order
(/changes/new before /changes/{change_id})."""

from __future__ import annotations

from console.views.changes import detail, new
from console.views.changes import list as listing

routes = [*listing.routes, *new.routes, *detail.routes]
