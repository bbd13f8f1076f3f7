"""The HTMX console: each screen runs a named GraphQL operation in-process and renders it."""
