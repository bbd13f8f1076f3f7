"""Every model, imported once so ``Base.metadata`` is complete (alembic and tests use it)."""

from domain.audit.models import AuditEvent
from domain.base import Base
from domain.tenants.models import Tenant
from domain.users.models import Membership, User

__all__ = ["AuditEvent", "Base", "Membership", "Tenant", "User"]
