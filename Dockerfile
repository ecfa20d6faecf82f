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
RUN npm ci --no-audit --no-fund \
 # The services and mlc with what they reference (not the root project: it names the e2e tests).
 && npx tsc -b services/* tools/mlc
# What runs in production only: the services, their libraries and mlc. No simulators (sandbox),
# benches, dev and stack tools, test helpers or compiled tests; no dev dependencies, nor the
# dependencies only those tools have (fastify, testcontainers, …): the workspaces list shrinks
# before the prune, so npm drops them.
RUN rm -rf tools/bench tools/dev tools/sandbox tools/stack tools/scripts libs/testing \
 && node -e "const fs = require('fs'); const p = JSON.parse(fs.readFileSync('package.json', 'utf8')); p.workspaces = ['libs/*', 'services/*', 'tools/mlc']; p.scripts = {}; fs.writeFileSync('package.json', JSON.stringify(p, null, 2));" \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -f node_modules/@mlc/bench node_modules/@mlc/dev node_modules/@mlc/sandbox node_modules/@mlc/stack node_modules/@mlc/testing \
 && find libs services tools -name node_modules -prune -o -type f \( -name '*.test.*' -o -name 'test-support.*' -o -name '*.tsbuildinfo' \) -exec rm -f {} + \
 && find libs services tools -name node_modules -prune -o -type d \( -name src -o -name test \) -prune -exec rm -rf {} + \
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
