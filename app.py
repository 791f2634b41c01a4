"""The seed's entry point: ``uvicorn app:app`` (port 7860) or ``python app.py``.

The app itself lives in :mod:`helixdesk.server.app`.
"""

from helixdesk.server.app import app, main

__all__ = ["app", "main"]

if __name__ == "__main__":
    main()
