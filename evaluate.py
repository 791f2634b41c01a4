"""Compare HelixDesk agents over seeded episodes (see ``helixdesk.cli.evaluate``)."""

from helixdesk.cli.evaluate import main

raise SystemExit(main())
