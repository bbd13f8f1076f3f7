"""arq worker: settings and job functions (jobs take ids, never ORM objects, and are idempotent)."""
