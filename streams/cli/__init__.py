"""The ``taskline`` command: ``main`` builds the parser from one module per command group
(``stack``, ``events``, ``schemas``, ``tools``, ``top``, ``audit``, ``gov``, ``lanes``,
``console``); ``common`` holds what they share. The only place that reads ``Settings()``
from the environment.

May import anything in :mod:`streams`.
"""
