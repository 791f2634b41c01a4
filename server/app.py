"""OpenEnv's conventional ``server/app.py``: the HelixDesk app and its ``main()``.

``openenv validate`` looks for this file; the app lives in :mod:`helixdesk.server.app`
(installed as the ``server`` console script).
"""

from helixdesk.server.app import app
from helixdesk.server.app import main as serve

__all__ = ["app", "main"]


def main() -> None:
    """Serve HelixDesk on 0.0.0.0, port ``PORT`` (default 7860)."""
    serve()


if __name__ == "__main__":
    main()
