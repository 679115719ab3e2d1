"""The fault drill's campaigns, one module each (run by scripts/fault_drill.py).

Their rigging (faults to inject, hostile files) is the tests' own, in tests/rigging/.
"""

import sys
from pathlib import Path

_TESTS = str(Path(__file__).resolve().parents[2] / "tests")
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)
