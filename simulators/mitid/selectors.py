"""Read queries of the simulated private MitID."""

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from simulators.mitid.models import Device, LoginRequest, MitIDAccount


def accounts_list(*, search: str = "") -> QuerySet[MitIDAccount]:
    accounts = MitIDAccount.objects.select_related("person").annotate(device_count=Count("devices"))
    if search:
        accounts = accounts.filter(
            Q(username__icontains=search)
            | Q(person__first_name__icontains=search)
            | Q(person__last_name__icontains=search)
        )
    return accounts.order_by("username")


def account_get(*, username: str) -> MitIDAccount:
    return get_object_or_404(
        MitIDAccount.objects.select_related("person"), username__iexact=username
    )


def pending_requests(*, account: MitIDAccount) -> QuerySet[LoginRequest]:
    return LoginRequest.objects.filter(
        account=account,
        status=LoginRequest.Status.PENDING,
        method=LoginRequest.Method.APP,
        expires_at__gt=timezone.now(),
    ).order_by("created_at")


def device_get(*, serial: str) -> Device:
    return get_object_or_404(Device.objects.select_related("account__person"), serial=serial)
