# agentrent api / worker / migrate image (one image, the command picks the process).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# Runtime dependencies only; tsx (a dependency) runs the TypeScript sources directly.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY . .
USER node
EXPOSE 3000 9464
CMD ["node", "--import", "tsx", "api/server.ts"]
