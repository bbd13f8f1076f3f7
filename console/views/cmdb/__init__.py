"""The CMDB console: configuration items (list, page with topology and impact, forms), classes, and
import/export. Each screen lives in its own module; this one gathers their routes in matching order
(fixed paths such as /cmdb/new before /cmdb/{ci_id}).
"""

from __future__ import annotations

from console.views.cmdb import actions, classes, detail, new, transfer
from console.views.cmdb import list as listing

routes = [
    *listing.routes,
    *new.routes,
    *transfer.routes,
    *classes.routes,
    *detail.routes,
    *actions.routes,
]
