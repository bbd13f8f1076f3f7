"""AtlasAI composition root: settings, database, embedded services, ASGI app and the `atlas` CLI."""

__version__ = "0.1.0"
