"""GraphQL adapter of the CMDB."""
