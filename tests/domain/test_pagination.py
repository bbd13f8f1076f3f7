"""Cursors: what a cursor holds comes back typed; anything else is 'Invalid cursor.' on field after."""

import base64
import uuid
from datetime import UTC, datetime

import pytest

from domain.errors import ValidationFailed
from domain.pagination import decode_cursor, encode_cursor


def test_a_cursor_gives_back_its_typed_sort_key():
    key = (datetime(2026, 11, 27, 9, 30, tzinfo=UTC), uuid.uuid4())

    assert decode_cursor(encode_cursor(key), (datetime, uuid.UUID)) == key


@pytest.mark.parametrize("cursor", [
    "garbage", "", base64.urlsafe_b64encode(b"abc\x00def\x1f00000000-0000-0000-0000-000000000000").decode(),
    base64.urlsafe_b64encode(b"only-one-part").decode()])
def test_anything_else_is_an_invalid_cursor(cursor):
    with pytest.raises(ValidationFailed) as refused:
        decode_cursor(cursor, (str, uuid.UUID))

    assert (refused.value.message, refused.value.field) == ("Invalid cursor.", "after")
