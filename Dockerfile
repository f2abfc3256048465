# Hearth's image: one node (`hearth serve`), as docker-compose.yml runs two of them.
#
# Two stages: the build stage makes a virtualenv with Hearth and its dependencies (and
# whatever pip caches or upgrades stays there); the runtime stage copies the virtualenv
# and the source, and runs as an unprivileged user.
#
# Hearth is installed editable on purpose: its pages and scripts are read from web/ beside
# the server package (server/http/pages.py), which a plain install would leave behind.

FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/hearth && /opt/hearth/bin/pip install --upgrade pip setuptools wheel
WORKDIR /app
COPY pyproject.toml README.md ./
COPY server ./server
COPY web ./web
# The slim image has no compiler: a dependency without a wheel for it fails here, loudly.
# Compiled now, since the runtime user may not write __pycache__ beside the source.
RUN /opt/hearth/bin/pip install -e . && /opt/hearth/bin/python -m compileall -q /app/server

FROM python:3.11-slim-bookworm AS runtime
# A fixed id, so a volume's files keep their owner across image rebuilds.
RUN groupadd --system --gid 10001 hearth \
    && useradd --system --uid 10001 --gid hearth --no-create-home \
        --home-dir /var/lib/hearth --shell /usr/sbin/nologin hearth \
    && install -d -o hearth -g hearth -m 0700 /var/lib/hearth
COPY --from=build /opt/hearth /opt/hearth
COPY --from=build /app /app
ENV PATH=/opt/hearth/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HEARTH_DATA_DIR=/var/lib/hearth
WORKDIR /var/lib/hearth
USER hearth:hearth
# The data folder: the safeguarding journal (alerts the database has not taken yet:
# never lose it), the keys when they are not given in the environment.
VOLUME ["/var/lib/hearth"]
# HTTP and WebSockets (behind the proxy). Media is UDP on HEARTH_MEDIA_PORTS.
EXPOSE 8000
# /healthz: the process serves requests. (/readyz also asks the database and Redis, and
# is for monitoring: a Redis outage must not mark every node unhealthy at once.)
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"]
CMD ["hearth", "serve", "--host", "0.0.0.0", "--port", "8000"]
