"""Knowledge base screens: the article list with search, and the editor with versions."""

from console.views.knowledge import articles

routes = [*articles.routes]
