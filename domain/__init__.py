"""Business rules and persistence, one subpackage per noun. No strawberry, no starlette."""
