"""``python -m server`` is ``hearth serve``."""

from server.cli import main

if __name__ == "__main__":
    main()
