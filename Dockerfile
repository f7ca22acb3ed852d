# paperboy in a small image: a slim Python, the package and its dependencies, a non-root user,
# the database on a volume. Build: docker build -t paperboy .   Run: see compose.yaml / README.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PAPERBOY_STORAGE__PATH=/data/paperboy.db

RUN useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin paperboy \
    && mkdir -p /data && chown paperboy:paperboy /data

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY bot ./bot
COPY config ./config
COPY papers ./papers
COPY storage ./storage
COPY summarizer ./summarizer
RUN pip install --no-compile . && rm -rf /root/.cache

USER paperboy
VOLUME ["/data"]

# Healthy while the database answers a read-only query; status never disturbs the running bot.
HEALTHCHECK --interval=5m --timeout=30s --start-period=2m --retries=3 \
    CMD ["paperboy", "status", "--format", "json"]

# Without a chat token and without a terminal, `paperboy run` stops with exit code 3 and says
# why: set PAPERBOY_TELEGRAM__TOKEN and/or PAPERBOY_DISCORD__TOKEN.
ENTRYPOINT ["paperboy"]
CMD ["run"]
