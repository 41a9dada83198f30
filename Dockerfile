# One image, several roles (web, worker, beat): see docker-compose.yml.
# Debian bookworm, whose postgresql-client-15 matches the postgres:15 server of docker-compose.yml:
# the daily backup runs pg_dump in the worker (ewevents/backups), and pg_dump/pg_restore must be
# of the server's major version. age encrypts backups when BACKUP_AGE_RECIPIENT is set.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client-15 age \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY ewevents ewevents
COPY events events
COPY registrations registrations
RUN pip install --no-cache-dir .
COPY . .
RUN DEBUG=0 SECRET_KEY=build-only python manage.py collectstatic --noinput
# var/ holds the backups, media and static volumes (docker-compose.yml), created here so they belong to the user.
RUN useradd --system ewevents && mkdir -p /app/var/backups /app/var/media /app/var/static && chown -R ewevents /app/var
USER ewevents
EXPOSE 8000
# Workers, threads, timeouts and logs: gunicorn.conf.py, from the environment (WEB_CONCURRENCY...).
CMD ["gunicorn", "--config", "gunicorn.conf.py", "ewevents.wsgi:application"]
