import sys

from leak_tests.cli import main

sys.exit(main())
