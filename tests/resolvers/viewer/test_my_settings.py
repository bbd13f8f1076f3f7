"""A person's own settings through GraphQL: time zone and theme, checked, kept, and only theirs."""

from tests.conftest import auth_headers, gql

UPDATE = """mutation($i: MySettingsInput!) { updateMySettings(input: $i) { __typename
  ... on MySettings { timeZone theme } ... on Error { code message field } } }"""
ME = "{ viewer { email timeZone theme } }"


async def test_new_people_see_utc_and_the_system_theme(client, make_tenant, sign_in):
    tenant = await make_tenant()

    me = await gql(client, ME, headers=auth_headers(await sign_in(tenant)))

    assert me["data"]["viewer"]["timeZone"] == "UTC"
    assert me["data"]["viewer"]["theme"] == "system"


async def test_a_person_changes_their_time_zone_and_theme_and_keeps_them(client, make_tenant, add_member, sign_in):
    tenant = await make_tenant()
    colleague = await add_member(tenant, ["responder"])
    owner = auth_headers(await sign_in(tenant))

    saved = (await gql(client, UPDATE, {"i": {"timeZone": "Asia/Kolkata", "theme": "dark"}}, owner))["data"]
    only_theme = (await gql(client, UPDATE, {"i": {"theme": "light"}}, owner))["data"]
    me_later = await gql(client, ME, headers=auth_headers(await sign_in(tenant)))
    them = await gql(client, ME, headers=auth_headers(await sign_in(tenant, colleague)))

    assert saved["updateMySettings"] == {"__typename": "MySettings", "timeZone": "Asia/Kolkata", "theme": "dark"}
    assert only_theme["updateMySettings"]["timeZone"] == "Asia/Kolkata"
    assert me_later["data"]["viewer"]["timeZone"] == "Asia/Kolkata"
    assert me_later["data"]["viewer"]["theme"] == "light"
    assert (them["data"]["viewer"]["timeZone"], them["data"]["viewer"]["theme"]) == ("UTC", "system")


async def test_unknown_zones_and_themes_are_refused_naming_the_field_and_change_nothing(client, make_tenant, sign_in):
    tenant = await make_tenant()
    owner = auth_headers(await sign_in(tenant))

    zone = (await gql(client, UPDATE, {"i": {"timeZone": "Mars/Olympus_Mons", "theme": "dark"}}, owner))["data"]
    path = (await gql(client, UPDATE, {"i": {"timeZone": "../../etc/passwd"}}, owner))["data"]
    theme = (await gql(client, UPDATE, {"i": {"theme": "neon"}}, owner))["data"]
    me = await gql(client, ME, headers=owner)

    assert zone["updateMySettings"] == {
        "__typename": "ValidationError", "code": "VALIDATION", "field": "timeZone",
        "message": "Unknown time zone 'Mars/Olympus_Mons': use an IANA name such as Europe/Berlin or America/New_York."}
    assert path["updateMySettings"]["field"] == "timeZone"
    assert (theme["updateMySettings"]["field"], theme["updateMySettings"]["message"]) == (
        "theme", "Unknown theme 'neon': choose system, light or dark.")
    assert (me["data"]["viewer"]["timeZone"], me["data"]["viewer"]["theme"]) == ("UTC", "system")
