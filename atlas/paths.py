"""Where the non-Python parts of the project live (GraphQL documents, migrations)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRAPHQL_DIR = ROOT / "graphql"
SCHEMA_FILE = GRAPHQL_DIR / "schema.graphql"
OPERATIONS_DIR = GRAPHQL_DIR / "operations"
ALEMBIC_INI = ROOT / "alembic.ini"
README = ROOT / "README.md"
