"""The GraphQL adapter (and REST shims): decode input, call a domain service, map the result."""
