# One image, several roles (web, worker, beat): see docker-compose.yml.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY ewevents ewevents
COPY events events
COPY registrations registrations
RUN pip install --no-cache-dir .
COPY . .
RUN DEBUG=0 SECRET_KEY=build-only python manage.py collectstatic --noinput
RUN useradd --system ewevents && mkdir -p /app/var && chown ewevents /app/var
USER ewevents
EXPOSE 8000
# Workers, threads, timeouts and logs: gunicorn.conf.py, from the environment (WEB_CONCURRENCY...).
CMD ["gunicorn", "--config", "gunicorn.conf.py", "ewevents.wsgi:application"]
