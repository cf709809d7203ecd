# syntax=docker/dockerfile:1
#
# gemgate's image: built in stages so that the runtime holds the compiled gateway, the console it
# serves and the production dependencies only (no TypeScript, Vite, Preact or test tools).
#
#   docker build -t gemgate .
#   docker run --init -p 8000:8000 -v gemgate-data:/app/data --env-file .env gemgate
#
# Node is pinned by major and minor; bump the minor for security releases (package.json asks for
# >=20.19). bookworm (glibc) rather than alpine: better-sqlite3 has prebuilt binaries for glibc
# and falls back to a compile with the toolchain below.
ARG NODE_IMAGE=node:20.20-bookworm-slim

# ---- base: what every stage shares --------------------------------------------------------------
FROM ${NODE_IMAGE} AS base
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

# ---- toolchain: better-sqlite3 is a native addon; node-gyp needs these when no prebuilt binary
# fits the platform. Only the build stages have them.
FROM base AS toolchain
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

# ---- build: every dependency (dev ones included), then `npm run build`: tsc writes dist/, Vite
# writes the console into dist/web.
FROM toolchain AS build
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
RUN npm run build

# ---- prod-deps: a fresh install of the production dependencies alone, so the runtime never takes
# node_modules from the build stage, where the dev dependencies are.
FROM toolchain AS prod-deps
COPY package.json package-lock.json ./
RUN npm ci --omit=dev \
 && npm cache clean --force

# ---- runtime ------------------------------------------------------------------------------------
FROM base AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    SQLITE_DATABASE=/app/data/gemgate.db
# ffmpeg encodes audio/speech as mp3 (OpenAI's default), opus, aac and flac (FFMPEG_PATH): Debian's
# package, without the packages it merely recommends.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg \
 && rm -rf /var/lib/apt/lists/*
# package.json says "type": "module", which the compiled dist/*.js need.
COPY package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The image's files stay root's (read-only to the gateway); only the data directory is the node user's.
RUN mkdir -p /app/data && chown node:node /app/data
# The official image's unprivileged user (uid 1000).
USER node
# SQLite's database (DATABASE_TYPE=sqlite, the default) and its WAL files.
VOLUME ["/app/data"]
EXPOSE 8000
# The gateway drains on SIGTERM (SHUTDOWN_TIMEOUT_SECONDS, 30 by default, plus up to 15 s to close):
# give it `docker stop -t 50` / compose's stop_grace_period. Node installs its own SIGTERM and SIGINT
# handlers (src/main.ts), so it stops cleanly even as PID 1; run with `--init` (compose: init: true)
# all the same, so that an init reaps zombies and forwards signals.
STOPSIGNAL SIGTERM
# No curl in the slim image: Node's own fetch asks GET /health, which answers {"status":"ok"}
# without a token.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/health',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/main.js"]
