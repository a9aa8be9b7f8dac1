"""The operator console: a web page over the records the CLI reads.

::

    streams.console.auth      accounts, password hashes, roles, CSRF tokens
    streams.console.index     what the console knows: every topic followed into SQLite
    streams.console.app       the Starlette application (pages, actions, live updates)
    streams.console.server    uvicorn on a thread: what `taskline up` and `taskline console` run

May import :mod:`processors`, ``streams.codec``, ``streams.state``, ``streams.runtime``,
``streams.sdk`` and ``streams.audit``; never the CLI or tools.

>>> from streams.settings import Settings
>>> from streams.console.auth import Accounts
>>> Accounts.from_settings(Settings()).names()
[]
"""
