# agentrent api / worker / migrate image (one image, the command picks the process).
# Node 24 LTS (as .nvmrc); the build stage type-checks, compiles to JavaScript and prebuilds the workflow bundle,
# the runtime stage holds only production dependencies and dist/, and runs as the non-root `node`.
FROM node:24.22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# Type-checks the production sources (strict) and emits CommonJS for the runtime into dist/.
RUN npx tsc -p tsconfig.build.json
# The workflow bundle, built once here instead of by webpack at every worker start.
RUN node dist/scripts/build-workflow-bundle.js dist/workflow-bundle.js

FROM node:24.22-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# SQL migrations are read at run time by dist/scripts/migrate.js (next to it, as in the sources).
COPY db/migrations ./dist/db/migrations
# The operator console's page (plain HTML/JS/CSS, served from beside the compiled routes).
COPY api/console ./dist/api/console
ENV WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
# Uploaded files (FILE_STORAGE=local) go outside the root-owned /app, into a directory the app user
# owns; compose mounts its `files` volume here (a new named volume copies this owner).
RUN mkdir -p /var/lib/agentrent/files && chown -R node:node /var/lib/agentrent
ENV FILE_STORAGE_DIR=/var/lib/agentrent/files
USER node
EXPOSE 3000 9464 9465
CMD ["node", "dist/api/server.js"]
