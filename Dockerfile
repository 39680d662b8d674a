# monitor: the daemon (scheduler) and the Datasette desk. See compose.yaml and the README.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    MONITOR_DB=/data/monitor.db MONITOR_SCHEDULES=/app/schedules
WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY pyproject.toml README.md scrapy.cfg ./
COPY monitor ./monitor
COPY spiders ./spiders
COPY schedules ./schedules
RUN pip install --no-cache-dir --no-deps . \
    && useradd --system --home-dir /data monitor && mkdir -p /data && chown monitor /data
USER monitor
VOLUME /data
EXPOSE 8001
# In a container the desk must listen on all interfaces to be published; compose maps it to
# 127.0.0.1 on the host.
CMD ["monitor", "start", "--no-serve"]
