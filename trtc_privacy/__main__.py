"""``python -m trtc_privacy``: the same entry point as the ``trtc-privacy`` script."""

import sys

from trtc_privacy.cli import main

sys.exit(main())
