"""``python -m vestnik``: the ``vestnik`` command, where no console script is on PATH."""

from vestnik.cli import main

if __name__ == "__main__":
    main(prog_name="vestnik")
