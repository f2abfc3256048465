"""Pure unit tests of the room state machine: no server, no sockets, no clock."""

from tests.harness import import_hypothesis_patcher_quietly

import_hypothesis_patcher_quietly()
