"""graphql/schema.graphql is the committed contract: it must match the code."""

from atlas.paths import SCHEMA_FILE
from resolvers.schema import schema_sdl


def test_committed_schema_matches_the_code():
    committed = SCHEMA_FILE.read_text() if SCHEMA_FILE.exists() else ""

    assert committed == schema_sdl(), (
        "graphql/schema.graphql is stale: regenerate it with `make schema` "
        "(or `.venv/bin/atlas export-schema`) and commit it"
    )
