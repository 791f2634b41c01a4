"""Run a HelixDesk agent with the live dashboard and CSV log (see ``python train.py --help``)."""

from helixdesk.cli.train import main

raise SystemExit(main())
