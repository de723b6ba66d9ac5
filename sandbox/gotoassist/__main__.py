"""``python -m sandbox.gotoassist``."""

from sandbox.gotoassist.standalone import main

main()
