# The AutoPilot operator image: `autopilot run` on Node 20, built from this repository.
# Not built in this repository's CI (its machines have no Docker engine); build with
#   docker build -t autopilot:dev .
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
USER node
EXPOSE 8080 8081
ENTRYPOINT ["node", "dist/cli/main.js", "run"]
