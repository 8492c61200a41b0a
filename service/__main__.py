"""``python -m service`` is ``cleanwire``."""

import sys

from service.cli import main

sys.exit(main())
