"""Changes through GraphQL: raise with risk and collisions, move, CAB votes, typed errors, the policy."""

from datetime import UTC, datetime, timedelta

from tests.conftest import auth_headers, gql
from tests.domain.changes.helpers import SHOP
from tests.domain.cmdb.helpers import build

ERROR = "... on Error { code message field }"
FIELDS = "id reference state version riskScore riskLevel riskReasons { points reason } collisions { kind message } " \
         "allowedMoves cabRule ciNames votes { voter decision comment } incidentLinks { kind reason }"
CREATE = f"""mutation($i: ChangeInput!) {{ createChange(input: $i) {{ __typename
  ... on ChangeSaved {{ change {{ {FIELDS} }} }} {ERROR} }} }}"""
MOVE = f"""mutation($id: ID!, $to: ChangeState!) {{ transitionChange(input: {{id: $id, to: $to}}) {{ __typename
  ... on ChangeSaved {{ change {{ state }} }} ... on IllegalChangeTransitionError {{ currentState allowed }}
  ... on ChangeCollisionError {{ collisions {{ kind message }} }} {ERROR} }} }}"""
VOTE = f"""mutation($id: ID!, $d: VoteDecision!, $c: String!) {{ voteOnChange(input: {{id: $id, decision: $d,
  comment: $c}}) {{ __typename ... on ChangeSaved {{ change {{ state votes {{ voter decision comment }} }} }}
  {ERROR} }} }}"""


def _window(days=3):
    start = datetime.now(UTC) + timedelta(days=days)
    return start.isoformat(), (start + timedelta(hours=1)).isoformat()


async def _setup(db, make_tenant, sign_in, add_member):
    tenant = await make_tenant()
    ids = await build(db, tenant, *SHOP)
    manager = await add_member(tenant, ["change-manager"])
    return tenant, ids, auth_headers(await sign_in(tenant)), auth_headers(await sign_in(tenant, manager)), manager


async def test_a_change_is_raised_assessed_reviewed_and_approved_by_the_cab(client, db, make_tenant, sign_in,
                                                                            add_member):
    _tenant, ids, owner, manager, manager_email = await _setup(db, make_tenant, sign_in, add_member)
    start, end = _window()
    created = (await gql(client, CREATE, {"i": {"title": "Patch payments-db", "type": "NORMAL", "plannedStart": start,
                                                "plannedEnd": end, "ciIds": [str(ids["payments-db"])]}},
                         owner))["data"]["createChange"]["change"]
    for to in ("SUBMITTED", "ASSESSMENT", "CAB_REVIEW"):
        await gql(client, MOVE, {"id": created["id"], "to": to}, owner)

    own = (await gql(client, VOTE, {"id": created["id"], "d": "APPROVE", "c": "mine"}, owner))["data"]["voteOnChange"]
    voted = (await gql(client, VOTE, {"id": created["id"], "d": "APPROVE", "c": "backout tested"},
                       manager))["data"]["voteOnChange"]

    assert created["state"] == "DRAFT" and created["ciNames"] == ["payments-db"]
    assert created["cabRule"] == "at least 2 vote(s), then the majority decides"
    assert {"points": 6, "reason": "blast radius: 3 dependent CI(s)"} in created["riskReasons"]
    assert created["allowedMoves"] == ["SUBMITTED"]
    assert own == {"__typename": "ForbiddenError", "code": "SELF_APPROVAL", "field": "id",
                   "message": f"You requested {created['reference']}; nobody approves their own change."}
    assert voted["change"] == {"state": "CAB_REVIEW", "votes": [
        {"voter": manager_email, "decision": "APPROVE", "comment": "backout tested"}]}


async def test_illegal_moves_and_bad_input_are_typed_errors_that_change_nothing(client, db, make_tenant, sign_in,
                                                                                add_member):
    _tenant, _ids, owner, _manager, _ = await _setup(db, make_tenant, sign_in, add_member)
    start, end = _window()
    created = (await gql(client, CREATE, {"i": {"title": "Reindex", "type": "STANDARD", "plannedStart": end,
                                                "plannedEnd": start}}, owner))["data"]["createChange"]
    ok = (await gql(client, CREATE, {"i": {"title": "Reindex", "type": "STANDARD"}}, owner))["data"]["createChange"]

    illegal = (await gql(client, MOVE, {"id": ok["change"]["id"], "to": "CAB_REVIEW"}, owner))["data"]
    no_window = (await gql(client, MOVE, {"id": ok["change"]["id"], "to": "SUBMITTED"}, owner))["data"]

    assert created == {"__typename": "ValidationError", "code": "VALIDATION", "field": "plannedEnd",
                       "message": "The planned window must end after it starts."}
    assert illegal["transitionChange"]["__typename"] == "IllegalChangeTransitionError"
    assert illegal["transitionChange"]["currentState"] == "DRAFT"
    assert no_window["transitionChange"]["code"] == "VALIDATION"
    assert "needs a planned window" in no_window["transitionChange"]["message"]
    listed = (await gql(client, "{ changes { edges { node { state version } } } }", {}, owner))["data"]
    assert [e["node"] for e in listed["changes"]["edges"]] == [{"state": "DRAFT", "version": 1}]


async def test_a_blocking_policy_turns_a_collision_into_a_typed_error(client, db, make_tenant, sign_in, add_member):
    _tenant, ids, owner, manager, _ = await _setup(db, make_tenant, sign_in, add_member)
    start, end = _window()
    policy = """mutation($f: [FreezeWindowInput!]!) { updateChangePolicy(input: {collisionMode: "block",
      freezeWindows: $f, cabRules: [{changeType: NORMAL, quorum: 3, unanimous: true}]}) { __typename
      ... on ChangePolicySaved { policy { collisionMode cabRules { changeType quorum unanimous } } } } }"""
    saved = (await gql(client, policy, {"f": [{"name": "Release freeze", "startsAt": start, "endsAt": end}]},
                       manager))["data"]["updateChangePolicy"]
    created = (await gql(client, CREATE, {"i": {"title": "Deploy web", "type": "NORMAL", "plannedStart": start,
                                                "plannedEnd": end, "ciIds": [str(ids["web"])]}},
                         owner))["data"]["createChange"]["change"]

    blocked = (await gql(client, MOVE, {"id": created["id"], "to": "SUBMITTED"}, owner))["data"]["transitionChange"]

    assert saved["policy"]["cabRules"][0] == {"changeType": "NORMAL", "quorum": 3, "unanimous": True}
    assert created["collisions"][0]["kind"] == "freeze"
    assert blocked["__typename"] == "ChangeCollisionError" and blocked["code"] == "CHANGE_COLLISION"
    assert "Release freeze" in blocked["collisions"][0]["message"]
