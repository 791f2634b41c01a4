"""Score the baseline agents on every graded task (see ``helixdesk.cli.baseline``)."""

from helixdesk.cli.baseline import main

raise SystemExit(main())
