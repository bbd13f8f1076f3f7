"""Every named operation the console runs is valid against the schema."""

import pytest
from graphql import parse, validate

from atlas.paths import OPERATIONS_DIR
from console.operations import OperationError, OperationRunner, load_operations
from resolvers.schema import build_schema

SCHEMA = build_schema()
DOCUMENTS = sorted(OPERATIONS_DIR.rglob("*.graphql"))


def test_there_are_operation_documents():
    assert DOCUMENTS, "graphql/operations/ holds no documents"


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(OPERATIONS_DIR)))
def test_operation_document_validates_against_the_schema(path):
    errors = validate(SCHEMA._schema, parse(path.read_text()))

    assert not errors, [e.message for e in errors]


def test_operation_names_are_unique_across_documents(tmp_path):
    (tmp_path / "a.graphql").write_text("query Twice { health { status } }")
    (tmp_path / "b.graphql").write_text("query Twice { viewer { subject } }")

    with pytest.raises(OperationError, match="operation Twice is also defined in"):
        load_operations(tmp_path)


def test_anonymous_operations_are_refused(tmp_path):
    (tmp_path / "a.graphql").write_text("{ health { status } }")

    with pytest.raises(OperationError, match="every console operation needs a name"):
        load_operations(tmp_path)


async def test_an_unknown_operation_name_is_an_error_not_a_crash():
    runner = OperationRunner(SCHEMA, OPERATIONS_DIR)

    with pytest.raises(OperationError, match="unknown operation 'NoSuchScreen'"):
        await runner.run("NoSuchScreen", context=None)
