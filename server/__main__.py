"""``python -m server [--host H] [--port P]`` is ``hearth serve``; sub-commands work too."""

from server.cli import main

if __name__ == "__main__":
    main(default_command="serve")
