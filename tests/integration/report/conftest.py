import sys
from pathlib import Path

# The document builders live beside the unit tests of the report package.
sys.path.insert(0, str(Path(__file__).parents[2] / "unit" / "report"))
