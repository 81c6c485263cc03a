import sys
from pathlib import Path

# The test modules here and in tests/integration/report import the shared
# document builders as the top-level module ``report_documents``.
sys.path.insert(0, str(Path(__file__).parent))
