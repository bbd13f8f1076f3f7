"""Guards: schema directives that show in the SDL and are enforced at run time.

Every root field declares its guards through :func:`guard` (or :func:`public`), e.g.::

    incidents: IncidentConnection = strawberry.field(
        resolver=resolve_incidents, extensions=guard("incident.read", feature="incidents"))

``@tenantScoped`` requires an authenticated principal and binds the request's database
transactions to its tenant; ``@requires(permission:)`` checks the principal's permissions;
``@entitled(feature:)`` checks the plan's features carried in the token. A denied field returns
an error with code UNAUTHENTICATED, FORBIDDEN or NOT_ENTITLED and its resolver never runs.
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.schema_directive import Location

from domain.billing.plans import ALL_FEATURES
from domain.roles.catalog import PERMISSION_NAMES, PLATFORM_ADMIN
from resolvers.errors import PublicError


@strawberry.schema_directive(locations=[Location.FIELD_DEFINITION], name="tenantScoped",
                             description="Needs a signed-in caller; runs in the caller's tenant.")
class TenantScopedDirective:
    pass


@strawberry.schema_directive(locations=[Location.FIELD_DEFINITION], name="requires",
                             description="Needs this permission in the caller's tenant.")
class RequiresDirective:
    permission: str


@strawberry.schema_directive(locations=[Location.FIELD_DEFINITION], name="entitled",
                             description="Needs this feature in the tenant's plan.")
class EntitledDirective:
    feature: str


@strawberry.schema_directive(locations=[Location.FIELD_DEFINITION], name="public",
                             description="Deliberately open to anonymous callers.")
class PublicDirective:
    pass


def _principal(info: strawberry.Info):
    principal = info.context.principal
    if principal is None:
        raise PublicError("Sign in first: this field needs a valid access token.", code="UNAUTHENTICATED")
    return principal


class TenantScoped(BasePermission):
    """Authenticated, and the request's transactions are bound to the principal's tenant."""

    def __init__(self) -> None:
        self._schema_directive = TenantScopedDirective()

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        info.context.bind_tenant(_principal(info).tenant_id)
        return True


class Requires(BasePermission):
    """The principal holds ``permission`` (``platform.admin``: a platform operator)."""

    def __init__(self, permission: str) -> None:
        if permission not in PERMISSION_NAMES and permission != PLATFORM_ADMIN:
            raise ValueError(f"unknown permission {permission!r}: add it to domain/roles/catalog.py")
        self.permission = permission
        self._schema_directive = RequiresDirective(permission=permission)

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        principal = _principal(info)
        granted = principal.is_platform_admin if self.permission == PLATFORM_ADMIN else principal.can(
            self.permission)
        if not granted:
            raise PublicError(f"You need the {self.permission!r} permission.", code="FORBIDDEN")
        return True


class Entitled(BasePermission):
    """The tenant's plan includes ``feature``."""

    def __init__(self, feature: str) -> None:
        if feature not in ALL_FEATURES:
            raise ValueError(f"unknown feature {feature!r}: add it to a plan in domain/billing/plans.py")
        self.feature = feature
        self._schema_directive = EntitledDirective(feature=feature)

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        if self.feature not in _principal(info).features:
            raise PublicError(f"Your plan does not include {self.feature!r}.", code="NOT_ENTITLED")
        return True


class Public(BasePermission):
    """Marks a field as intentionally open; checks nothing."""

    def __init__(self) -> None:
        self._schema_directive = PublicDirective()

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        return True


def guard(permission: str | None = None, *, feature: str | None = None) -> list[FieldExtension]:
    """Field extensions for a tenant-plane field: tenant scope, then permission, then entitlement."""
    permissions: list[BasePermission] = [TenantScoped()]
    if permission:
        permissions.append(Requires(permission))
    if feature:
        permissions.append(Entitled(feature))
    return [PermissionExtension(permissions=permissions, use_directives=True)]


def platform_guard() -> list[FieldExtension]:
    """Field extensions for a platform-operator field (acts across tenants)."""
    return [PermissionExtension(permissions=[Requires(PLATFORM_ADMIN)], use_directives=True)]


def public() -> list[FieldExtension]:
    """Field extensions for a field open to anonymous callers."""
    return [PermissionExtension(permissions=[Public()], use_directives=True)]


GUARD_DIRECTIVES = ("tenantScoped", "requires", "entitled", "public")
