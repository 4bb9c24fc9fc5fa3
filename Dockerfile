# tocsin: one static binary and its bbolt file.
# Build: docker build -t tocsin .
# Run:   docker run -p 8080:8080 -v tocsin-data:/data --env-file tocsin.env tocsin

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download && go mod verify
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags "-s -w -X github.com/tocsin-dev/tocsin/cli.Version=${VERSION}" -o /out/tocsin . \
 && mkdir -p /out/data

# distroless/static has CA certificates (for Slack and AWS) and a nonroot
# user (65532), and nothing else.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/tocsin /usr/local/bin/tocsin
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV TOCSIN_ADDR=:8080 \
    TOCSIN_DB=/data/tocsin.db
VOLUME ["/data"]
EXPOSE 8080
# distroless has no shell or curl: the binary checks itself.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/tocsin", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/tocsin"]
CMD ["serve"]
