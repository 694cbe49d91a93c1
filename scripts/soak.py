"""Soak the system under SIGKILLs: `python scripts/soak.py [--rollouts 100] [--kills 200]`.

Run by a person (it takes minutes), not by CI; CI runs a short version
(tests/integration/runtime/test_soak.py). See adapters/soak for what it does.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters.soak.report import main

if __name__ == "__main__":
    sys.exit(main())
