"""User-facing errors.

Every problem the user can fix (a bad workload file, an impossible configuration, a missing or
corrupt dataset, an unmappable network, a diverging run) is raised as a `UserError`. The CLI prints
its message as one line and exits with code 2; nothing else is ever shown as a traceback for these.
"""


def one_line(text: object) -> str:
    """`text` (or an exception's message) on one line: every run of whitespace, newlines included,
    becomes one space."""
    return " ".join(str(text).split())


class UserError(Exception):
    """A problem with the user's input; the message names the problem and the fix."""


class ConfigError(UserError):
    """An invalid configuration, workload file or override."""


class DataError(UserError):
    """A dataset that cannot be found, read or verified."""


class TechError(UserError):
    """A malformed technology file under tech/."""


class MappingError(UserError):
    """A network that does not fit the configured chip."""


class DivergenceError(UserError):
    """Training produced NaN or infinite values."""
