"""Every feature and limit of the plan catalog gates something real, or is named as waiting for its issue.

A feature is enforced by an ``@entitled`` guard on a GraphQL field, or by a check outside GraphQL
listed in OTHER_GATES (each entry names the file and the exact code that checks it). A limit is
enforced where it applies (LIMIT_CHECKS). A feature or limit in neither place and not in
NOT_YET_ENFORCED fails this test, as does an allow-list entry that is now enforced (remove it).
"""

from pathlib import Path

from strawberry.permission import PermissionExtension

from domain.billing.plans import ALL_FEATURES, ALL_LIMITS
from resolvers.guards import Entitled
from resolvers.schema import build_schema

ROOT = Path(__file__).resolve().parent.parent
OTHER_GATES = {
    "ingest": ("domain/telemetry/intake.py", 'if "ingest" not in principal.features'),
    "console": ("console/guard.py", "if CONSOLE_FEATURE not in principal.features"),
    # the AI pipeline's steps (worker and re-run on demand) check the plan per step
    "ai.runbooks": ("domain/ai/pipeline/service.py", '"runbook": "ai.runbooks"'),
    "ai.remediation": ("domain/ai/pipeline/service.py", '"remediation": "ai.remediation"'),
}
LIMIT_CHECKS = {
    "users": ("domain/billing/limits.py", 'limit = await _limit(tx, "users")'),
    "api_keys": ("domain/billing/limits.py", 'limit = await _limit(tx, "api_keys")'),
    "ingest_events_per_minute": ("domain/telemetry/intake.py", 'limits_of_plan.get("ingest_events_per_minute"'),
    "retention_days": ("domain/telemetry/retention.py", '["limits"]["retention_days"]'),
    "ai_credits_per_month": ("domain/billing/credits.py", 'claim["limits"].get("ai_credits_per_month"'),
}
# Features whose issue has not landed yet: each names the issue that will gate it.
NOT_YET_ENFORCED = {
    "sso": "SSO sign-in (identity)",
    "dedicated_placement": "dedicated tenant-plane placement",
    "agents": "edge agents registry (a limit)",
}


def _entitled_features() -> set[str]:
    schema = build_schema(production=False)
    found = set()
    for type_ in schema.schema_converter.type_map.values():
        for field in getattr(type_.definition, "fields", []):
            for extension in field.extensions:
                if isinstance(extension, PermissionExtension):
                    found |= {p.feature for p in extension.permissions if isinstance(p, Entitled)}
    return found


def _checked(table: dict[str, tuple[str, str]]) -> set[str]:
    return {name for name, (path, code) in table.items() if code in (ROOT / path).read_text()}


def test_every_feature_gates_something_or_waits_for_its_issue():
    enforced = _entitled_features() | _checked(OTHER_GATES)

    assert enforced <= ALL_FEATURES, f"guards name unknown features: {enforced - ALL_FEATURES}"
    assert ALL_FEATURES - enforced - NOT_YET_ENFORCED.keys() == set(), "features that gate nothing"
    assert enforced & NOT_YET_ENFORCED.keys() == set(), "enforced now: remove from NOT_YET_ENFORCED"


def test_every_limit_is_checked_where_it_applies_or_waits_for_its_issue():
    checked = _checked(LIMIT_CHECKS)

    assert checked == set(LIMIT_CHECKS), f"listed checks not found in code: {set(LIMIT_CHECKS) - checked}"
    assert ALL_LIMITS - checked - NOT_YET_ENFORCED.keys() == set(), "limits checked nowhere"
    assert checked & NOT_YET_ENFORCED.keys() == set()


def test_a_guard_naming_an_unknown_feature_fails_at_import():
    try:
        Entitled("teleportation")
    except ValueError as exc:
        assert "unknown feature 'teleportation'" in str(exc)
    else:
        raise AssertionError("Entitled accepted an unknown feature")
