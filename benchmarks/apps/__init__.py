"""One WSGI app per framework, all doing the same work (see ``common.py`` for the shared data).

Each module exposes ``create_app()`` (the scenario endpoints) and ``create_routing_app()``
(the 150-route table), both returning a WSGI callable, plus ``VERSION``.
"""
