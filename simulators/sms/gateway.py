"""The simulated SMS gateway behind ``mitid_portal.outside.SmsGateway``."""

from simulators.sms.services import sms_message_deliver


class SimulatedSmsGateway:
    def send(self, *, number: str, text: str) -> None:
        """Deliver to the simulated phone; raises ``ValidationError`` for a malformed number."""
        sms_message_deliver(number=number, text=text)
