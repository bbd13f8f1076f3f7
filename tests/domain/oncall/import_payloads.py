"""Recorded exports shaped exactly like the vendors' documented API responses (ids and people invented).

Each builder takes the emails of the people and returns the export file's JSON object.
"""

from __future__ import annotations


def pagerduty(emails: list[str]) -> dict:
    """GET /users, /teams, /schedules/{id}, /schedules/{id}/overrides, /escalation_policies, /services."""
    ids = [f"PU{i:05d}" for i in range(len(emails))]
    return {
        "users": {"users": [{"id": ident, "type": "user", "name": f"Person {i}", "email": email,
                             "time_zone": "America/New_York", "role": "user", "teams": [],
                             "contact_methods": [{"id": f"PC{i}", "type": "email_contact_method_reference"}]}
                            for i, (ident, email) in enumerate(zip(ids, emails, strict=True))],
                  "limit": 25, "offset": 0, "more": False, "total": None},
        "teams": {"teams": [{"id": "PT00001", "type": "team", "name": "Payments", "description": "payments SRE"}],
                  "limit": 25, "offset": 0, "more": False, "total": None},
        "schedules": [{"schedule": {
            "id": "PS00001", "type": "schedule", "name": "Payments primary", "time_zone": "America/New_York",
            "description": "primary rotation", "escalation_policies": [], "users": [], "teams": [],
            # GET lists the highest layer first: business-hours cover (layer 2) above the weekly rotation (layer 1)
            "schedule_layers": [
                {"id": "PL00002", "name": "Layer 2", "start": "2026-11-02T09:00:00-05:00", "end": None,
                 "rotation_virtual_start": "2026-11-02T09:00:00-05:00", "rotation_turn_length_seconds": 86400,
                 "users": [{"user": {"id": ids[2], "type": "user_reference"}},
                           {"user": {"id": ids[3], "type": "user_reference"}}],
                 "restrictions": [{"type": "weekly_restriction", "start_time_of_day": "09:00:00",
                                   "duration_seconds": 8 * 3600, "start_day_of_week": d} for d in range(1, 6)]},
                {"id": "PL00001", "name": "Layer 1", "start": "2026-11-02T10:00:00-05:00", "end": None,
                 "rotation_virtual_start": "2026-11-02T10:00:00-05:00", "rotation_turn_length_seconds": 604800,
                 "users": [{"user": {"id": ids[0], "type": "user_reference"}},
                           {"user": {"id": ids[1], "type": "user_reference"}},
                           {"user": {"id": ids[4], "type": "user_reference"}}],
                 "restrictions": [{"type": "daily_restriction", "start_time_of_day": "16:00:00",
                                   "duration_seconds": 16 * 3600}]},  # 16:00-08:00: under layer 2 from 16 to 17
            ]}}],
        "overrides": {"PS00001": {"overrides": [
            {"id": "PO00001", "start": "2027-03-13T20:00:00-05:00", "end": "2027-03-15T08:00:00-04:00",
             "user": {"id": ids[3], "type": "user_reference"}}]}},
        "escalation_policies": {"escalation_policies": [{
            "id": "PE00001", "type": "escalation_policy", "name": "Payments", "num_loops": 2,
            "on_call_handoff_notifications": "if_has_services",
            "escalation_rules": [
                {"id": "PR1", "escalation_delay_in_minutes": 15,
                 "targets": [{"id": "PS00001", "type": "schedule_reference"}]},
                {"id": "PR2", "escalation_delay_in_minutes": 30,
                 "targets": [{"id": ids[0], "type": "user_reference"}]}],
            "services": [{"id": "PV00001", "type": "service_reference"}], "teams": []}]},
        "services": {"services": [{
            "id": "PV00001", "type": "service", "name": "payments-api", "status": "active",
            "escalation_policy": {"id": "PE00001", "type": "escalation_policy_reference"},
            "integrations": [{"id": "PI1", "type": "generic_events_api_inbound_integration_reference"}]}]},
    }


def opsgenie(emails: list[str]) -> dict:
    """GET /v2/users, /v2/teams, /v2/schedules/{id}, /v2/schedules/{id}/overrides, /v2/escalations, /v1/services."""
    ids = [f"og-{i:04d}-4b1e-9c7e-2f0e6c9d" for i in range(len(emails))]

    def who(i: int) -> dict:
        return {"type": "user", "id": ids[i], "username": emails[i]}

    return {
        "users": {"totalCount": len(emails), "data": [
            {"id": ident, "username": email, "fullName": f"Person {i}", "role": {"id": "User", "name": "User"},
             "timeZone": "Europe/Berlin", "blocked": False, "verified": True}
            for i, (ident, email) in enumerate(zip(ids, emails, strict=True))], "took": 0.1, "requestId": "r1"},
        "teams": {"data": [{"id": "team-1", "name": "platform", "description": ""}], "took": 0.1, "requestId": "r2"},
        "schedules": [{"data": {
            "id": "sched-1", "name": "Platform on call", "description": "", "timezone": "Europe/Berlin",
            "enabled": True, "ownerTeam": {"id": "team-1", "name": "platform"},
            "rotations": [
                {"id": "rot-nights", "name": "nights", "startDate": "2026-11-30T17:00:00Z", "type": "weekly",
                 "length": 1, "participants": [who(0), who(1), who(4)],
                 "timeRestriction": {"type": "time-of-day", "restriction": {
                     "startHour": 18, "startMin": 0, "endHour": 9, "endMin": 0}}},
                {"id": "rot-days", "name": "days", "startDate": "2026-11-30T08:00:00Z", "type": "daily",
                 "length": 2, "participants": [who(2), who(3)],
                 "timeRestriction": {"type": "weekday-and-time-of-day", "restrictions": [
                     {"startDay": "monday", "startHour": 9, "startMin": 0, "endDay": "friday", "endHour": 18,
                      "endMin": 0}]}},
            ]}, "took": 0.1, "requestId": "r3"}],
        "overrides": {"sched-1": {"data": [
            {"alias": "ov-1", "user": who(1), "startDate": "2027-03-27T20:00:00Z", "endDate": "2027-03-29T06:00:00Z",
             "rotations": []}], "took": 0.1, "requestId": "r4"}},
        "escalations": {"data": [{
            "id": "esc-1", "name": "Platform escalation", "description": "",
            "ownerTeam": {"id": "team-1", "name": "platform"},
            "rules": [
                {"condition": "if-not-acked", "notifyType": "default", "delay": {"timeAmount": 0, "timeUnit": "minutes"},
                 "recipient": {"type": "schedule", "id": "sched-1", "name": "Platform on call"}},
                {"condition": "if-not-acked", "notifyType": "default",
                 "delay": {"timeAmount": 10, "timeUnit": "minutes"}, "recipient": who(0)},
                {"condition": "if-not-acked", "notifyType": "default",
                 "delay": {"timeAmount": 10, "timeUnit": "minutes"},
                 "recipient": {"type": "team", "id": "team-1", "name": "platform"}}],
            "repeat": {"waitInterval": 20, "count": 1, "resetRecipientStates": False, "closeAlertAfterAll": False}}],
            "took": 0.1, "requestId": "r5"},
        "services": {"data": [{"id": "svc-1", "name": "checkout", "teamId": "team-1", "description": "",
                               "tags": []}], "took": 0.1, "requestId": "r6"},
    }


def grafana_oncall(emails: list[str]) -> dict:
    """GET /api/v1/users/, /teams/, /schedules/, /on_call_shifts/, /escalation_chains/, /escalation_policies/,
    /integrations/."""
    ids = [f"U{i:04d}GRAF" for i in range(len(emails))]

    def page(results: list) -> dict:
        return {"count": len(results), "next": None, "previous": None, "results": results,
                "current_page_number": 1, "page_size": 50, "total_pages": 1}

    return {
        "users": page([{"id": ident, "email": email, "slack": None, "username": f"person{i}", "role": "user",
                        "timezone": "Australia/Sydney"} for i, (ident, email) in enumerate(zip(ids, emails, strict=True))]),
        "teams": page([{"id": "TEAM1", "name": "core", "email": "", "avatar_url": ""}]),
        "schedules": page([{"id": "SCHED1", "team_id": None, "name": "Core on call", "type": "web",
                            "time_zone": "Australia/Sydney", "on_call_now": [], "shifts": ["SH1", "SH2", "SH3"],
                            "slack": None}]),
        "on_call_shifts": page([
            {"id": "SH1", "team_id": None, "schedule": "SCHED1", "name": "weekly", "type": "rolling_users",
             "time_zone": None, "level": 0, "start": "2026-11-30T08:00:00", "rotation_start": "2026-11-30T08:00:00",
             "duration": 604800, "frequency": "weekly", "interval": 1, "week_start": "MO", "by_day": None,
             "by_month": None, "by_monthday": None, "until": None,
             "rolling_users": [[ids[0]], [ids[1]], [ids[4]]]},
            {"id": "SH2", "team_id": None, "schedule": "SCHED1", "name": "business hours", "type": "rolling_users",
             "time_zone": None, "level": 1, "start": "2026-11-30T09:00:00", "rotation_start": "2026-11-30T09:00:00",
             "duration": 8 * 3600, "frequency": "weekly", "interval": 1, "week_start": "MO",
             "by_day": ["MO", "TU", "WE", "TH", "FR"], "by_month": None, "by_monthday": None, "until": None,
             "rolling_users": [[ids[2]], [ids[3]]]},
            {"id": "SH3", "team_id": None, "schedule": "SCHED1", "name": "cover", "type": "override",
             "time_zone": None, "level": 0, "start": "2027-04-03T20:00:00", "duration": 36 * 3600,
             "rolling_users": [[ids[3]]]},
        ]),
        "escalation_chains": page([{"id": "CHAIN1", "name": "Core", "team_id": None}]),
        "escalation_policies": page([
            {"id": "E1", "escalation_chain_id": "CHAIN1", "position": 0, "type": "notify_on_call_from_schedule",
             "important": False, "notify_on_call_from_schedule": "SCHED1"},
            {"id": "E2", "escalation_chain_id": "CHAIN1", "position": 1, "type": "wait", "duration": 300},
            {"id": "E3", "escalation_chain_id": "CHAIN1", "position": 2, "type": "notify_persons",
             "important": True, "persons_to_notify": [ids[0]]},
            {"id": "E4", "escalation_chain_id": "CHAIN1", "position": 3, "type": "notify_whole_channel"},
        ]),
        "integrations": page([{"id": "INT1", "name": "core-alerts", "team_id": None, "type": "alertmanager",
                               "link": "https://oncall.example.com/integrations/v1/alertmanager/x/",
                               "default_route": {"id": "R1", "escalation_chain_id": "CHAIN1"}}]),
    }
