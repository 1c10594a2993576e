"""``python -m hbo``, the same as the ``hbo`` command; ``torchrun ... -m hbo train`` and
``accelerate launch ... -m hbo train`` start it once per process."""
import sys

from hbo.cli import main

sys.exit(main())
