"""The CMDB console: configuration items (list, page with topology and impact, forms), classes, and
import/export. Each screen lives in its own module; this one gathers their routes in matching order
(fixed paths such as /cmdb/new before /cmdb/{ci_id}).
"""

from __future__ import annotations

from console.views import cmdb_ci, cmdb_ci_actions, cmdb_classes, cmdb_list, cmdb_new, cmdb_transfer

routes = [
    *cmdb_list.routes,
    *cmdb_new.routes,
    *cmdb_transfer.routes,
    *cmdb_classes.routes,
    *cmdb_ci.routes,
    *cmdb_ci_actions.routes,
]
