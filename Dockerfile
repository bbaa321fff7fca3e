# One image for every Vigil service. Pick the service with SERVICE:
#   docker run -e SERVICE=evaluator -e REDIS_URL=redis://redis:6379 … vigil
# docker-compose.yml builds it once and runs each service (and the demo server) from it.
FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    VIGIL_CONFIG=/etc/vigil/vigil.yaml \
    LOG_LEVEL=info

WORKDIR /app

# icmp checks run the system ping; the container needs CAP_NET_RAW (Docker's default set has it).
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends iputils-ping \
 && rm -rf /var/lib/apt/lists/*

# Dependencies first, so code changes do not reinstall them. tsx is a runtime dependency
# (services run from TypeScript source), so --omit=dev keeps everything the services need.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error \
 && npm cache clean --force

COPY tsconfig.json ./
COPY libs ./libs
COPY services ./services
COPY scripts ./scripts
COPY examples ./examples

# A default configuration; mount your own over /etc/vigil/vigil.yaml (read-only is fine).
RUN mkdir -p /etc/vigil && cp examples/vigil.yaml /etc/vigil/vigil.yaml

# The node image's unprivileged user.
USER node

# SERVICE names a folder of services/ with a main.ts, so this file keeps no list of its own
# (scripts/start/services.ts has it; test/docker-compose.test.ts checks that the list, the
# folders, this command and docker-compose.yml agree).
# exec: node becomes PID 1 and gets SIGTERM itself; runService lets active jobs finish.
CMD ["sh", "-c", "case \"$SERVICE\" in ''|*[!a-z-]*) ;; *) if [ -f \"services/$SERVICE/main.ts\" ]; then exec node --import tsx \"services/$SERVICE/main.ts\"; fi ;; esac; echo \"set SERVICE to one of: $(cd services && echo */ | tr -d /) (got '$SERVICE')\" >&2; exit 2"]
