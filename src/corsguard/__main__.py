import sys

from corsguard.cli import main

sys.exit(main())
