import sys

from tools.devserver.server import main

sys.exit(main())
