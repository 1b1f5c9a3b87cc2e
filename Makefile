# Two commands matter: `make run` and `make test`. Both need Python 3.11 and, for the PDF
# reports (WeasyPrint), Pango, HarfBuzz and fontconfig from the system (README.md, "Two commands").
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/ningjin
REDIS_URL ?= redis://127.0.0.1:6379/0
PORT ?= 8000

.PHONY: run test test-services test-pgbouncer test-stack test-e2e lint format messages check-deploy bench backup restore clean

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "需要 Python 3.11（$(PYTHON)）"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	touch $(STAMP)

run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) scripts/run_all.py --port $(PORT)

test: $(STAMP)
	$(PY) -m pytest -m "not e2e and not services and not stack" -n 2 -q

test-services: $(STAMP)
	DATABASE_URL=$(PG_URL) REPLICA_DATABASE_URL=$(PG_URL) CELERY_BROKER_URL=$(REDIS_URL) \
		$(PY) -m pytest -m "not e2e and not stack" -n 2 -q

# The services suite again, through a PgBouncer in transaction pooling (.ci/pgbouncer.ini,
# started by .ci/pgbouncer on PGB_PORT unless one answers there already). pytest-django
# creates and drops its test databases through it too; tests/conftest.py has PgBouncer
# let go of a test database before it is dropped (PGBOUNCER_ADMIN_URL). The backup drill
# goes to PostgreSQL itself (BACKUP_DATABASE_URL; see scripts/backup.py).
PGB_PORT ?= 6432
PGB_DB ?= ningjin_pgb
PGB_URL ?= postgres://postgres@127.0.0.1:$(PGB_PORT)/$(PGB_DB)
PGB_REDIS_URL ?= redis://127.0.0.1:6379/14
test-pgbouncer: $(STAMP)
	@command -v pgbouncer >/dev/null || test -x /usr/sbin/pgbouncer || { echo "安装 PgBouncer：apt-get install -y pgbouncer"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer; }
	PGBOUNCER_PORT=$(PGB_PORT) .ci/pgbouncer run -- env \
		DATABASE_URL=$(PGB_URL) REPLICA_DATABASE_URL=$(PGB_URL) CELERY_BROKER_URL=$(PGB_REDIS_URL) \
		DISABLE_SERVER_SIDE_CURSORS=True BACKUP_DATABASE_URL=postgres://postgres@127.0.0.1:5432 \
		PGBOUNCER_ADMIN_URL=postgres://postgres@127.0.0.1:$(PGB_PORT)/pgbouncer \
		$(PY) -m pytest -m "not e2e and not stack" -n 2 -q

# The production stack of deploy/ (nginx with TLS → gunicorn DEBUG=False, Celery worker, beat) booted
# by deploy/run-stack on the real PostgreSQL and Redis, with a database, a Redis db and ports of its
# own; the smoke test goes through nginx over HTTPS (tests/stack/). Installs Debian's nginx if missing.
test-stack: $(STAMP)
	@test -x /usr/sbin/nginx || { echo "安装 nginx：apt-get install -y nginx"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx; }
	$(PY) -m pytest -m stack -q -p no:xdist tests/stack

test-e2e: $(STAMP)
	@test -x /usr/bin/chromium || { echo "安装 Chromium：apt-get install -y chromium fonts-wqy-microhei"; \
		apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei; }
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest -m e2e -q -p no:xdist

# lint-imports holds the layers (contracts in pyproject.toml, tests/ningjin_training/test_layers.py shows they bite).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: $(STAMP)
	$(PY) manage.py makemessages -l zh_Hans -l en --no-location --ignore=.venv --ignore=var --ignore=tests
	$(PY) manage.py compilemessages --ignore=.venv

check-deploy: $(STAMP)
	DEBUG=False SECRET_KEY=$${SECRET_KEY:-check-deploy-$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')} \
		SECURE_SSL=True ALLOWED_HOSTS=portal.example.gov.cn \
		ID_NUMBER_KEY=$${ID_NUMBER_KEY:-$$(head -c 32 /dev/urandom | base64)} \
		ID_NUMBER_HASH_KEY=$${ID_NUMBER_HASH_KEY:-$$(head -c 32 /dev/urandom | base64)} \
		$(PY) manage.py check --deploy --fail-level WARNING

BENCH_DB ?= postgres://postgres@127.0.0.1:5432/ningjin_bench
bench: $(STAMP)
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	BENCH_DATABASE_URL=$(BENCH_DB) $(PY) -m benchmarks.load
	DATABASE_URL=$(BENCH_DB) $(PY) benchmarks/import_bench.py
	BENCH_DATABASE_URL=$(BENCH_DB) BENCH_BROKER_URL=$(REDIS_URL) $(PY) -m benchmarks.fanout

backup: $(STAMP)
	$(PY) scripts/backup.py backup $(FILE)

restore: $(STAMP)
	@test -n "$(FILE)" || { echo "用法：make restore FILE=var/backups/…"; exit 1; }
	$(PY) scripts/backup.py restore $(FILE)

clean:
	rm -rf var/db.sqlite3 var/celery var/staticfiles
