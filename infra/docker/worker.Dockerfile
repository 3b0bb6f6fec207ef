# Worker image: TypeScript sources run through tsx; the workflow bundle is prebuilt at image build time.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
RUN node bin/analytics.js bundle --out /app/dist/workflow-bundle.js
USER node
CMD ["node", "bin/analytics.js", "worker", "--bundle", "/app/dist/workflow-bundle.js"]
