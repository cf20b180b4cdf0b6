# Cobalt production image.
#   docker build -t cobalt .
#   docker run -p 3000:3000 -e JWT_SECRET=... cobalt        (embedded PGlite in /app/data)
# Mount a volume on /app/data to keep the embedded database, or set DATABASE_URL and REDIS_URL
# (see docker-compose.yml). NODE_ENV=production refuses to start without a real JWT_SECRET.

# --- deps: production dependencies only, exactly as locked ---------------------------------
FROM oven/bun:1.4.4 AS deps
WORKDIR /app
COPY package.json bun.lock bunfig.toml ./
RUN bun install --frozen-lockfile --production

# --- assets: the Tailwind stylesheet, built with the dev dependencies that stay out of the image
FROM oven/bun:1.4.4 AS assets
WORKDIR /app
COPY package.json bun.lock bunfig.toml ./
RUN bun install --frozen-lockfile
COPY src ./src
COPY public ./public
RUN bun run build:css

# --- runtime ---------------------------------------------------------------------------------
FROM oven/bun:1.4.4
WORKDIR /app
# HOST: inside a container the port is published from outside, so listen on every interface
# (it is also the production default; outside production the default is 127.0.0.1).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/app/data

# Code and dependencies stay owned by root (read-only to the app); only DATA_DIR is writable.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json bun.lock tsconfig.json bunfig.toml ./
COPY drizzle ./drizzle
COPY src ./src
# public/ from the assets stage: vendored htmx plus the built, up-to-date stylesheet.
COPY --from=assets /app/public ./public
RUN mkdir -p /app/data && chown bun:bun /app/data

# The official image has a non-root "bun" user (uid 1000).
USER bun
EXPOSE 3000

# No curl in the image: probe liveness with bun itself. The probe names the APP_URL host, the
# one ALLOWED_HOSTS admits by default in production (any other Host gets 421).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["bun", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live', { headers: { host: new URL(process.env.APP_URL || 'http://localhost').host } }).then(r => process.exit(r.ok ? 0 : 1)).catch(() => process.exit(1))"]

CMD ["bun", "run", "src/index.ts"]
