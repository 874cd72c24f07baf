from django.core.management.base import BaseCommand

from activation import services


class Command(BaseCommand):
    help = "Email a reminder to users whose activation link expires within 3 days (once each)."

    def handle(self, *args, **options):
        sent = services.activation_reminders_send()
        self.stdout.write(f"Påmindelser sendt: {sent}")
