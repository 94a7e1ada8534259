# trackalert container image.
#   docker build -t trackalert .
#   docker run -d --init -p 8084:8084 -v /srv/trackalert/trackalert.conf:/etc/trackalert/trackalert.conf:ro trackalert
# The config must listen on 0.0.0.0:8084 (see docs/deployment.md); the health check calls /command/livez there.

# Shared toolchain: unix-dgram (syslog and sd_notify) is a native addon, so node-gyp needs python3, make and g++.
FROM node:20-bookworm-slim AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app

# Compile the TypeScript with the full dependency set (typescript is a devDependency).
# --ignore-scripts: the package's own "prepare" would try to build before the sources are copied,
# and no native addon is needed just to run tsc.
FROM toolchain AS build
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
RUN npx tsc -p tsconfig.json

# Production dependencies only, with the one native addon built here where the compiler is.
FROM toolchain AS deps
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts \
 && npm rebuild unix-dgram \
 && npm cache clean --force

# Runtime: no compiler, no devDependencies, no npm cache; code owned by root and read-only for the service.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    TRACKALERT_HEALTHCHECK_URL=http://127.0.0.1:8084/command/livez
WORKDIR /opt/trackalert
# Fixed numeric ids so volume permissions and Kubernetes runAsNonRoot checks are predictable.
RUN groupadd --system --gid 10001 trackalert \
 && useradd --system --uid 10001 --gid trackalert --home-dir /var/lib/trackalert --no-create-home \
      --shell /usr/sbin/nologin trackalert \
 && mkdir -p /etc/trackalert /var/lib/trackalert \
 && chown trackalert:trackalert /var/lib/trackalert \
 && chmod 0750 /var/lib/trackalert
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY package.json ./
USER 10001:10001
EXPOSE 8084
# Slim images have no curl: node's built-in fetch does the probe. livez needs no password.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.TRACKALERT_HEALTHCHECK_URL, { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM triggers the graceful shutdown (finish in-flight reports, drain webhooks); docker stop waits 10 s by default.
STOPSIGNAL SIGTERM
# -D: foreground, no console, timestamped log lines on stdout for `docker logs`.
CMD ["node","dist/src/cli/main.js","-D","-C","/etc/trackalert/trackalert.conf"]
