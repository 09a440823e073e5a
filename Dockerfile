# syntax=docker/dockerfile:1
# One image for all five roomledger services: every service is compiled once, SERVICE picks the one
# that runs (gateway, room, booking, user or notification).
#
#   docker build --build-arg SERVICE=booking -t roomledger-booking .
#   docker run -e SERVICE=room roomledger-booking          # the same image runs any of the five
#
# docker-compose.yml builds it once per service with a different SERVICE; only the last, tiny layer
# differs, so the build cache makes that one build. The running service is configured entirely by
# environment variables (see each services/<name>/src/config.ts and docker-compose.yml).

# The repository pins Node 24 (package.json engines, the `node` devDependency); any 24.x image works,
# e.g. --build-arg NODE_VERSION=24.21.0 to match the pinned one exactly.
ARG NODE_VERSION=24

# ---- build: compile TypeScript (typescript is a devDependency) ------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install script is needed to compile, and the `node` devDependency's would fetch a second Node:
# skip them all, and call the image's own node (not node_modules/.bin/node) below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json tsconfig.build.json ./
COPY libs ./libs
COPY services ./services
COPY scripts ./scripts
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json

# ---- production dependencies only -----------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS production-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
# The production dependencies' install scripts are not needed at run time: protobufjs's only prints a
# version warning; ssh2's and cpu-features' (testcontainers' SSH transport) are denied in package.json
# allowScripts anyway. Skipping them keeps the result the same whatever npm 11 minor the image has.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# ---- runtime ---------------------------------------------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Everything a service reads at run time, owned by root and read-only to the `node` user that runs it:
# package.json (repoRoot() finds the repository by its name), tsconfig.base.json (register-paths maps
# the @roomledger/* aliases from it into dist/), service-node-args.cjs (the CMD's node flags), the
# .proto files (loaded from libs/contracts/proto), topics.json, and create-topics.mjs for the compose
# topic-init container.
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY package.json tsconfig.base.json ./
COPY scripts/register-paths.cjs ./scripts/register-paths.cjs
COPY scripts/service-node-args.cjs ./scripts/service-node-args.cjs
COPY libs/contracts/proto ./libs/contracts/proto
COPY libs/contracts/topics.json ./libs/contracts/topics.json
COPY infra/local/create-topics.mjs ./infra/local/create-topics.mjs
COPY --from=build /app/dist ./dist

ARG SERVICE=gateway
ENV SERVICE=${SERVICE}
RUN test -f "dist/services/${SERVICE}/src/main.js" || { \
      echo "SERVICE=${SERVICE} is not one of: $(ls dist/services | tr '\n' ' ')" >&2; exit 1; }

USER node

# Ready means /health/ready answers 200: the service and every server it depends on are up.
# HTTP_PORT is set by whoever runs the container; the fallbacks are the services' own defaults.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const port = process.env.HTTP_PORT || { gateway: 3000, room: 3101, booking: 3102, user: 3103, notification: 3104 }[process.env.SERVICE]; fetch('http://127.0.0.1:' + port + '/health/ready', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# Exactly how `npm start` (scripts/start.mjs) starts a service, from the repository root. `exec` makes
# node PID 1, so `docker stop`'s SIGTERM reaches the service's graceful shutdown.
# The node flags come from scripts/service-node-args.cjs, as for npm start (V8's helper threads sized to
# the container's CPUs among them).
CMD ["sh", "-c", "exec node $(node scripts/service-node-args.cjs) -r ./scripts/register-paths.cjs \"dist/services/${SERVICE}/src/main.js\""]
