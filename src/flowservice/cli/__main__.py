"""``python -m flowservice.cli``."""

from flowservice.cli.main import main

main()
