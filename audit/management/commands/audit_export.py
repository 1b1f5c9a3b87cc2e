"""Write the audit trail as JSON lines with its hash chain (for the assessor); the export is audited."""

import sys

from django.core.management.base import BaseCommand

from audit.exporting import export_lines


class Command(BaseCommand):
    help = "Export the audit trail with its hash chain as JSON lines (to --output or stdout)."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="file to write (default: stdout)")

    def handle(self, *args, output=None, **options):
        if output:
            with open(output, "w", encoding="utf-8") as out:
                out.writelines(export_lines())
        else:
            sys.stdout.writelines(export_lines())
