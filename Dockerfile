# Rapport: one image, one process. PYTHONPATH points at /app so templates/ and static/ are found
# beside the code. SQLite under /data by default; set RAPPORT_DATABASE_URL
# for PostgreSQL (see compose.yaml).
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    RAPPORT_DATA_DIR=/data RAPPORT_LOG_FORMAT=json PYTHONPATH=/app
WORKDIR /app
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install --disable-pip-version-check . && useradd --system --uid 10001 rapport \
    && mkdir -p /data && chown rapport /data
COPY alembic.ini ./
COPY alembic ./alembic
COPY templates ./templates
COPY static ./static
USER rapport
VOLUME ["/data"]
EXPOSE 8000
# A cold start (migrations, starter banks, one worker per CPU) can take half a minute on a busy
# 2-core host: do not count it as unhealthy.
HEALTHCHECK --interval=30s --timeout=3s --start-period=60s CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz').status == 200 else 1)"
CMD ["rapport", "serve", "--host", "0.0.0.0", "--port", "8000"]
