# The aloft image: `aloft host` and `aloft reconciler` for deploy/kubernetes (any aloft command
# works: the entrypoint is the CLI). Build: docker build -t ghcr.io/aloft-dev/aloft:0.1.0 .
FROM node:20-bookworm-slim

WORKDIR /opt/aloft
ENV NODE_ENV=production \
    ALOFT_HOME=/var/lib/aloft

# Dependencies first, so that a source change does not reinstall them.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY bin ./bin
COPY src ./src
COPY wit ./wit
COPY sdk ./sdk
COPY templates ./templates

# uid 1000 (the image's "node" user), as the manifests' securityContext expects; the data dir is
# a volume (the component cache).
RUN mkdir -p /var/lib/aloft && chown node:node /var/lib/aloft
USER node
VOLUME ["/var/lib/aloft"]
EXPOSE 8081

# SIGTERM reaches node directly (exec form), which is what starts a host's graceful drain.
ENTRYPOINT ["node", "/opt/aloft/bin/aloft.js"]
CMD ["help"]
