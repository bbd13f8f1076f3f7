"""The CMDB: configuration items, typed relationships, topology, impact analysis and discovery."""
