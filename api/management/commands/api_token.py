from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from api import services
from api.models import ApiToken


class Command(BaseCommand):
    help = "Mint an API token for USERNAME and print it once (read-only unless --write)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--write", action="store_true", help="read-write scope")
        parser.add_argument("--name", default="command line", help="a name to recognise the token by")

    def handle(self, *args, username, write, name, **options):
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: username}, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"no active user named {username!r}") from None
        scope = ApiToken.Scope.WRITE if write else ApiToken.Scope.READ
        token, key = services.token_create(user=user, name=name, scope=scope)
        self.stdout.write(key)
        self.stderr.write(f"token {token.display_prefix}… ({scope}) expires {token.expires_at:%Y-%m-%d}")
