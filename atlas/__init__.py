"""AtlasAI composition root: settings, database, embedded services, ASGI app and the `atlas` CLI."""

from importlib.metadata import version

__version__ = version("atlasai")
