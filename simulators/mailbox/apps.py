from django.apps import AppConfig


class MailboxConfig(AppConfig):
    name = "simulators.mailbox"
    label = "sim_mailbox"
