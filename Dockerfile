# syntax=docker/dockerfile:1
# The AutoPilot operator image: `autopilot run` on Node.js 20, production dependencies only, on distroless
# (no shell, no package manager) as the numeric non-root user 65532, needing nothing writable.
# Built and pushed for linux/amd64 and linux/arm64 by .github/workflows/image.yml; locally:
#   docker build -t autopilot:dev .
# This project's own machines have no Docker engine: test/e2e/chart/image.test.ts assembles the final
# stage's files (npm ci --omit=dev + dist) and runs them as uid 65532 on a read-only root filesystem.
# The digests pin the tags named. They were read from public repositories that pin the same tags; no machine
# of this project reaches an image registry to confirm them, so the first CI build does (a pull by a digest that
# does not exist fails). Bump them on purpose, e.g. with Dependabot.
ARG BUILD_IMAGE=node:20-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs20-debian12:nonroot@sha256:2cd820156cf039c8b54ae2d2a97e424b6729070714de8707a6b79f20d56f6a9a

# Compiles TypeScript once, on the builder's own platform: the output is plain JavaScript.
FROM --platform=$BUILDPLATFORM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Production dependencies only (all pure JavaScript, so the builder's platform serves every target).
FROM --platform=$BUILDPLATFORM ${BUILD_IMAGE} AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${RUNTIME_IMAGE}
WORKDIR /app
ENV NODE_ENV=production
COPY --from=dependencies /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["/nodejs/bin/node", "dist/cli/main.js"]
CMD ["run"]
