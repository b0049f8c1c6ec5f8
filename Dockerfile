# syntax=docker/dockerfile:1
#
# Two stages. `check` installs everything and type-checks, so an image is only produced from code that
# compiles. `runtime` installs production dependencies only and runs the TypeScript sources through tsx,
# which is a runtime dependency on purpose: there is no separate build output to drift from the sources,
# the migrations folder is found relative to src/ exactly as in development, and tsx's transform costs
# well under a second at start for a long-running service.

FROM node:20-alpine AS check
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json biome.json drizzle.config.ts vitest.config.ts ./
COPY src ./src
COPY test ./test
COPY bench ./bench
RUN npx tsc --noEmit -p . && touch /tmp/typechecked

FROM node:20-alpine AS runtime
ENV NODE_ENV=production \
    HTTP_PORT=8080
WORKDIR /app
# BuildKit skips stages nothing depends on; this marker makes the type check a gate for the image.
COPY --from=check /tmp/typechecked /tmp/typechecked
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY drizzle ./drizzle
COPY bin ./bin
COPY src ./src
# Nothing in /app is writable by the service user. /data holds the credentials key file when
# CREDENTIALS_KEY is unset (docker-compose.yml mounts a volume there).
ENV STORYWATCH_DATA_DIR=/data
RUN mkdir -p /data && chown node:node /data && chmod 700 /data
USER node
EXPOSE 8080
# Busybox wget ships with alpine; /healthz answers 503 naming the failing part.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD wget -q -O /dev/null "http://127.0.0.1:${HTTP_PORT}/healthz" || exit 1
# node itself is the process that receives SIGTERM (no npm wrapper swallowing it); compose adds an init.
CMD ["node", "--import", "tsx", "src/main.ts"]
