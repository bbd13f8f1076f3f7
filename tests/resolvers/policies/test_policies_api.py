"""Published policies: platform versions, publish and rollback, what each tenant runs, tighten-never-loosen."""

import uuid

from sqlalchemy import select

from domain.audit.models import AuditEvent
from domain.members.models import User
from tests.conftest import auth_headers, gql
from workers.jobs.policies import policy_published

ERROR = "... on Error { code message field }"
PUBLISH = f"""mutation($d: JSON!, $n: String!) {{ publishPolicy(document: $d, note: $n) {{ __typename
  ... on PolicyPublished {{ policy {{ version document rolledBackTo }} }} {ERROR} }} }}"""
ROLLBACK = f"""mutation($v: Int!) {{ rollbackPolicy(version: $v) {{ __typename
  ... on PolicyPublished {{ policy {{ version document rolledBackTo note }} }} {ERROR} }} }}"""
TIGHTEN = f"""mutation($t: JSON!) {{ tightenPolicies(tightening: $t) {{ __typename
  ... on PoliciesTightened {{ policies {{ tightening effective }} }} {ERROR} }} }}"""
POLICIES = "{ policies { platformVersion runningVersion platform tightening effective } }"


async def _operator(app, make_tenant, sign_in):
    tenant = await make_tenant()
    async with app.state.runtime.db.transaction(tenant_id=None) as tx:
        (await tx.session.get(User, tenant.admin_user_id)).is_platform_admin = True
    return tenant, auth_headers(await sign_in(tenant))


async def _publish(client, operator, document, note=""):
    return (await gql(client, PUBLISH, {"d": document, "n": note or uuid.uuid4().hex}, operator))["data"][
        "publishPolicy"]


async def test_a_published_version_is_run_by_tenants_once_applied_and_audited_there(app, client, make_tenant,
                                                                                     sign_in):
    _, operator = await _operator(app, make_tenant, sign_in)
    tenant = await make_tenant()
    owner = auth_headers(await sign_in(tenant))
    minutes = 10 + uuid.uuid4().int % 100  # a document no other test publishes

    published = await _publish(client, operator, {"session_max_hours": 8, "password_min_length": 14 + minutes % 50})
    version = published["policy"]["version"]
    before = (await gql(client, POLICIES, headers=owner))["data"]["policies"]
    await policy_published({"runtime": app.state.runtime}, version=version)
    after = (await gql(client, POLICIES, headers=owner))["data"]["policies"]

    assert published["policy"]["document"]["mfa_required"] is False  # missing keys take their defaults
    assert before["platformVersion"] == version and before["runningVersion"] < version
    assert after["runningVersion"] == version and after["effective"]["session_max_hours"] == 8
    async with app.state.runtime.db.transaction(tenant_id=tenant.tenant_id) as tx:
        applied = list(await tx.session.scalars(select(AuditEvent.target_id).where(
            AuditEvent.action == "policy.applied")))
    assert str(version) in applied


async def test_a_rollback_publishes_the_older_document_as_a_new_version(app, client, make_tenant, sign_in):
    _, operator = await _operator(app, make_tenant, sign_in)
    first = await _publish(client, operator, {"change_approvals_required": 2, "retention_days_max": 101})
    second = await _publish(client, operator, {"change_approvals_required": 3})

    rolled = (await gql(client, ROLLBACK, {"v": first["policy"]["version"]}, operator))["data"]["rollbackPolicy"]
    missing = (await gql(client, ROLLBACK, {"v": 10_000_000}, operator))["data"]["rollbackPolicy"]

    assert rolled["policy"]["version"] > second["policy"]["version"]
    assert rolled["policy"]["document"] == first["policy"]["document"]
    assert rolled["policy"]["rolledBackTo"] == first["policy"]["version"]
    assert missing == {"__typename": "NotFoundError", "code": "NOT_FOUND", "field": "version",
                       "message": "No policy version 10000000."}


async def test_a_tenant_may_tighten_but_never_loosen(app, client, make_tenant, sign_in):
    _, operator = await _operator(app, make_tenant, sign_in)
    await _publish(client, operator, {"session_max_hours": 12, "ai_data_may_leave_region": False,
                                      "retention_days_max": 90 + uuid.uuid4().int % 9})
    tenant = await make_tenant()
    owner = auth_headers(await sign_in(tenant))

    tighter = (await gql(client, TIGHTEN, {"t": {"session_max_hours": 4, "mfa_required": True}}, owner))["data"]
    looser = (await gql(client, TIGHTEN, {"t": {"ai_data_may_leave_region": True}}, owner))["data"]
    unknown = (await gql(client, TIGHTEN, {"t": {"coffee": "strong"}}, owner))["data"]
    now = (await gql(client, POLICIES, headers=owner))["data"]["policies"]

    assert tighter["tightenPolicies"]["policies"]["effective"]["session_max_hours"] == 4
    assert looser["tightenPolicies"] == {
        "__typename": "ValidationError", "code": "VALIDATION", "field": "ai_data_may_leave_region",
        "message": "ai_data_may_leave_region may only be tightened: the platform sets False, True would loosen it."}
    assert unknown["tightenPolicies"]["message"] == "Unknown policy keys: coffee."
    assert now["tightening"] == {"session_max_hours": 4, "mfa_required": True}
    assert now["effective"]["mfa_required"] is True and now["effective"]["ai_data_may_leave_region"] is False


async def test_a_bad_document_is_refused_and_publishes_nothing(app, client, make_tenant, sign_in):
    _, operator = await _operator(app, make_tenant, sign_in)
    versions = "{ policyVersions { version } }"
    count = len((await gql(client, versions, headers=operator))["data"]["policyVersions"])

    refused = await _publish(client, operator, {"password_min_length": 3})
    windows = await _publish(client, operator, {"change_freeze_windows": [{"start": "b", "end": "a"}]})

    assert refused["message"] == "password_min_length must be between 8 and 128."
    assert windows["field"] == "change_freeze_windows"
    assert len((await gql(client, versions, headers=operator))["data"]["policyVersions"]) == count
