"""The console's shared form helpers: where an API error shows, what the viewer may do, values kept in URLs,
dates and times read from forms."""

from __future__ import annotations

from datetime import UTC, date, datetime

from console.forms import FormProblem, kept, may, parse_day, parse_moment, refused, scope, validation

CONFLICT = {"code": "CONFLICT", "message": "A role named triage already exists.", "field": "name"}


def test_an_error_about_a_field_of_the_form_stays_beside_that_form():
    outcome = scope({"ok": None, "error": CONFLICT}, "editor")

    assert outcome == {"ok": None, "error": CONFLICT, "form": "editor"}


def test_errors_about_no_field_of_the_form_go_to_the_top_of_the_screen():
    gone = {"code": "NOT_FOUND", "message": "No such role.", "field": None}
    about_the_row = {"code": "VALIDATION", "message": "Not a valid ID.", "field": "id"}
    refused_early = {"code": "FORBIDDEN", "message": "You need the 'role.manage' permission.", "field": None,
                     "general": True}

    for error in (gone, about_the_row, refused_early):
        assert scope({"ok": None, "error": error}, "role:1")["form"] is None, error
    assert scope({"ok": {"role": {}}, "error": None}, "editor")["form"] == "editor"


def test_a_screen_can_say_which_errors_go_to_the_top_and_rename_the_apis_fields():
    closed = {"code": "INCIDENT_CLOSED", "message": "INC-4 is closed.", "field": None}
    missing = {"code": "NOT_FOUND", "message": "No incident abc.", "field": "intoId"}
    other_end = {"code": "VALIDATION", "message": "A database cannot be the source of runs_on.", "field": "sourceId"}

    assert scope({"ok": None, "error": closed}, "merge", top_codes=("INCIDENT_CLOSED",), top_fields=())["form"] is None
    assert scope({"ok": None, "error": missing}, "merge", top_codes=("INCIDENT_CLOSED",), top_fields=())["form"] == (
        "merge")
    renamed = scope({"ok": None, "error": other_end}, "relate", fields={"sourceId": "other", "targetId": "other"})
    assert renamed == {"ok": None, "error": {**other_end, "field": "other"}, "form": "relate"}
    assert other_end["field"] == "sourceId"  # the API's error itself is left as it was


def test_input_refused_before_the_api_is_shaped_like_the_apis_errors():
    problem = FormProblem("Threshold must be a number.", "window.threshold")

    assert problem.error == validation("Threshold must be a number.", "window.threshold") == {
        "code": "VALIDATION", "message": "Threshold must be a number.", "field": "window.threshold"}
    assert refused(problem.error, "create") == {"ok": None, "error": problem.error, "form": "create"}


def test_may_reads_the_viewers_permissions_and_the_plans_features():
    viewer = {"viewer": {"permissions": ["alert.read", "alert.manage"], "features": ["incidents"]}}

    assert may(viewer, "alert.read") and may(viewer, "alert.manage", "incidents")
    assert not may(viewer, "alert.manage", "alerting") and not may(viewer, "cmdb.write")
    assert not may({}, "alert.read") and not may({"viewer": None}, "alert.read")


def test_kept_values_repeat_lists_and_leave_out_empty_ones():
    assert kept({"status": ["open", "resolved"], "q": "", "service": "api", "after": None, "top": 0}) == [
        ("status", "open"), ("status", "resolved"), ("service", "api"), ("top", "0")]


def test_days_and_moments_from_a_form_are_read_or_refused_with_the_fields_name():
    errors: list[dict] = []

    assert parse_day("2031-01-15", "Due date", "dueDate", errors) == date(2031, 1, 15)
    assert parse_day("", "Due date", "dueDate", errors) is None and errors == []
    assert parse_day("soon", "Due date", "dueDate", errors) is None
    assert parse_moment("2030-01-05T22:00", "Start", "startsAt", errors) == datetime(2030, 1, 5, 22, tzinfo=UTC)
    assert parse_moment("2030-01-05T22:00+02:00", "Start", "startsAt", errors) == datetime(2030, 1, 5, 20, tzinfo=UTC)
    assert parse_moment("next tuesday", "Start", "startsAt", errors) is None
    assert parse_moment("0001-01-01T00:00", "Since", "since", errors) is None
    assert errors == [validation("Due date must be a date (YYYY-MM-DD).", "dueDate"),
                      validation("Start must be a date and time (YYYY-MM-DDTHH:MM).", "startsAt"),
                      validation("Since must be from 1900 to 2199.", "since")]
