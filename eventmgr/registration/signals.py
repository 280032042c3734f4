"""What happens to a registration, announced for the features above registration (calendar) to act on."""

from blinker import Namespace

_signals = Namespace()

#: A registration is being cancelled (sent before its status changes).
registration_cancelled = _signals.signal("registration-cancelled")
