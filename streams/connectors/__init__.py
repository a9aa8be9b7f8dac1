"""HTTP clients for outside services, behind the protocols :mod:`processors` defines:
a chat-model expert (``chat_expert``) and the ``http.call`` engine (``http_engine``).

May import only :mod:`processors`.
"""
