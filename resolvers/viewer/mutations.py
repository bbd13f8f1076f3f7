"""The caller's own settings: time zone and theme."""

from __future__ import annotations

import strawberry

from domain.errors import ValidationFailed
from domain.members.settings import UserSettings, update_user_settings
from resolvers.errors import mutate, payload_union


@strawberry.input(description="Leave a field out to keep it as it is.")
class MySettingsInput:
    time_zone: str | None = strawberry.field(default=None, description="An IANA name, e.g. `Europe/Berlin`.")
    theme: str | None = strawberry.field(default=None, description="`system`, `light` or `dark`.")


@strawberry.type(description="The caller's settings after the change.")
class MySettings:
    time_zone: str
    theme: str

    @classmethod
    def from_record(cls, settings: UserSettings) -> MySettings:
        return cls(time_zone=settings.time_zone, theme=settings.theme)


MySettingsPayload = payload_union("MySettingsPayload", MySettings)


async def update_my_settings(info: strawberry.Info, input: MySettingsInput) -> MySettingsPayload:
    """Change the signed-in person's own time zone and theme (API keys have none)."""
    user_id = info.context.actor.user_id

    async def change(tx):
        if user_id is None:
            raise ValidationFailed("API keys have no settings: sign in as a person.")
        return await update_user_settings(tx, user_id=user_id, time_zone=input.time_zone, theme=input.theme)

    return await mutate(info, change, MySettings.from_record)
