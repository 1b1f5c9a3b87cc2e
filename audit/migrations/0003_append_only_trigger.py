"""On PostgreSQL, audit rows cannot be changed or deleted by any database user, the portal's included.

A trigger refuses every UPDATE and DELETE of ``audit_auditentry``, with two exceptions:

* ``prune_audit`` may DELETE rows older than 180 days (the legal floor): it sets the
  session setting ``audit.prune = 'on'`` inside its transaction (``SET LOCAL``), and the
  trigger still refuses any row younger than 180 days;
* deleting a user sets ``actor_id`` to NULL (``on_delete=SET_NULL``); that UPDATE, and
  only it (every other column unchanged), is let through. ``actor_id`` is not part of the
  hash chain; ``actor_name`` keeps who acted.

A superuser could drop the trigger: the portal's production database user must not be a
superuser nor own the table (docs/mlps.md, "What the county provides").
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_auditentry_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.actor_id IS NOT NULL AND NEW.actor_id IS NULL
           AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'audit entries cannot be changed (entry %)', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF coalesce(current_setting('audit.prune', true), '') = 'on'
       AND OLD.at < now() - interval '180 days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit entries cannot be deleted (entry %)', OLD.id
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS audit_auditentry_guard ON audit_auditentry;
CREATE TRIGGER audit_auditentry_guard BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_auditentry_guard();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_auditentry_guard ON audit_auditentry;
DROP FUNCTION IF EXISTS audit_auditentry_guard();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_hash_chain")]

    operations = [migrations.RunPython(create, drop)]
