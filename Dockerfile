# One image per service, built from the monorepo:
#   docker build --build-arg SERVICE=coupa-writer -t ml-connector/coupa-writer .
# Runs on the current Node LTS; the code also supports Node 20. Every image also carries `mlc`,
# the operator CLI, on PATH.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.base.json tsconfig.json ./
COPY libs libs
COPY services services
COPY tools tools
RUN npm ci --no-audit --no-fund && npm run build && npm prune --omit=dev --no-audit --no-fund \
 && chmod +x tools/mlc/dist/cli.js

FROM node:22-bookworm-slim
ARG SERVICE
# Probes and metrics on their own port, never on the public one (docs/SECURITY.md).
ENV NODE_ENV=production \
    MLC_SERVICE=${SERVICE} \
    MLC_INTERNAL_PORT=9090
WORKDIR /app
COPY --from=build --chown=node:node /app /app
# The operator CLI in every image: `kubectl exec deploy/audit -- mlc trail …` (tools/mlc).
RUN ln -s /app/tools/mlc/dist/cli.js /usr/local/bin/mlc
USER node
EXPOSE 8080 9090
# exec form through sh so the service name is read at run time; `exec` keeps node as PID 1's
# only child target for SIGTERM (graceful shutdown).
CMD ["sh", "-c", "exec node services/${MLC_SERVICE}/dist/main.js"]
