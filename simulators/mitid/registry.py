"""The simulated device registry behind ``mitid_portal.outside.DeviceRegistry``: the devices of
the simulated MitID, their codes and chip presses, and the simulated business MitID app."""

import datetime

from mitid_portal.outside import DeviceRecord
from simulators.mitid import business_app, services, totp
from simulators.mitid.models import Device
from simulators.registers import selectors as register_selectors

CODE_KINDS = (Device.Kind.KODEVISER, Device.Kind.KODEOPLAESER)


def _record(device: Device) -> DeviceRecord:
    return DeviceRecord(
        serial=device.serial,
        kind=device.kind,
        label=device.label,
        is_active=device.is_active,
        is_private=device.account_id is not None,
    )


class SimulatedDeviceRegistry:
    def issue(self, *, kind: str, label: str) -> DeviceRecord:
        return _record(services.device_create(kind=kind, label=label[:100]))

    def get(self, *, serial: str) -> DeviceRecord | None:
        device = Device.objects.filter(serial=serial).first() if serial else None
        return _record(device) if device else None

    def active(self, *, serials: list[str], kinds: list[str]) -> list[DeviceRecord]:
        if not serials:
            return []
        devices = Device.objects.filter(serial__in=serials, kind__in=kinds, is_active=True)
        return [_record(d) for d in devices.order_by("kind", "serial")]

    def private_app(self, *, cpr: str) -> DeviceRecord | None:
        person = register_selectors.person_find_by_cpr(cpr=cpr) if cpr else None
        if person is None:
            return None
        device = (
            Device.objects.filter(account__person=person, kind=Device.Kind.APP, is_active=True)
            .order_by("created_at")
            .first()
        )
        return _record(device) if device else None

    def code_verify(self, *, serial: str, code: str) -> bool:
        device = Device.objects.filter(serial=serial, kind__in=CODE_KINDS).first()
        return device is not None and totp.verify(device.totp_secret, code.strip(), window=1)

    def chip_pressed_since(self, *, serial: str, since: datetime.datetime) -> bool:
        return Device.objects.filter(
            serial=serial, kind=Device.Kind.CHIP, last_pressed_at__gt=since
        ).exists()

    def app_activation_begin(self, *, serial: str, reference: str) -> str:
        return business_app.activation_begin(serial=serial, reference=reference)

    def app_activation_done(self, *, serial: str, reference: str) -> bool:
        return business_app.activation_done(serial=serial, reference=reference)

    def app_approval_start(self, *, serials: list[str], requester: str) -> str:
        return business_app.approval_start(serials=serials, requester=requester)

    def app_approval_status(self, *, request_id: str) -> str:
        return business_app.approval_status(request_id=request_id)

    def app_approval_consume(self, *, request_id: str) -> str | None:
        return business_app.approval_consume(request_id=request_id)
