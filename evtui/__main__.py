"""`python -m evtui`: the `evtui` command, for a Python with evtui but no script on the PATH."""

import sys

from evtui.cli import main

sys.exit(main())
