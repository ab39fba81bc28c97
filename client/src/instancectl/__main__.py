"""`python -m instancectl`, the same as the `instancectl` command."""

from instancectl.cli import main

main()
