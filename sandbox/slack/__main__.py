"""``python -m sandbox.slack``."""

from sandbox.slack.standalone import main

raise SystemExit(main())
