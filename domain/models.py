"""Every model, imported once so ``Base.metadata`` is complete (alembic and tests use it)."""

from domain.access.models import Role
from domain.audit.models import AuditEvent
from domain.auth.models import ApiKey, RefreshToken
from domain.base import Base
from domain.tenants.models import Tenant
from domain.users.models import Invitation, Membership, User

__all__ = ["ApiKey", "AuditEvent", "Base", "Invitation", "Membership", "RefreshToken", "Role", "Tenant", "User"]
