# loyalcheck as a container image, for the shards and the merge of a
# distributed run ('loyalcheck k8s' prints the manifests that use it).
#   docker build -t loyalcheck:dev .
# Stage 1 builds a static binary (no cgo: the SQLite driver of the sandbox
# is pure Go); stage 2 holds only it and CA certificates, and runs as an
# unprivileged user.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/loyalcheck ./cmd/loyalcheck

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/loyalcheck /usr/local/bin/loyalcheck
# 65532 is distroless's "nonroot"; the manifests run the pods as it too.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/loyalcheck"]
