"""``python -m vcsurvey``: see :mod:`vcsurvey.cli`."""

import sys

from vcsurvey.cli import main

sys.exit(main())
