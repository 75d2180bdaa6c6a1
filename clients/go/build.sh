#!/bin/sh
# Generates the Go package of the taskmaster.v1 contract and builds the example client, offline,
# with Debian's Go toolchain in GOPATH mode (no go.mod, no module download):
#   apt-get install protobuf-compiler golang-go golang-google-grpc-dev \
#     golang-github-golang-protobuf-1-5-dev protoc-gen-go protoc-gen-go-grpc
# Usage: build.sh OUT   (makes OUT/src/taskmaster.example/gen/taskmasterv1 and OUT/taskmaster-client)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
proto="$here/../../proto/src/main/proto"
out=$(mkdir -p "${1:?usage: build.sh OUT}" && cd "$1" && pwd)
files=$(cd "$proto" && echo taskmaster/v1/*.proto)
mkdir -p "$out/src"
# Where the generated package lives (its import path), for every file of the contract; and
# google.rpc.Status comes from Debian's genproto package rather than being generated again.
pkg=taskmaster.example/gen/taskmasterv1
map=Mgoogle/rpc/status.proto=google.golang.org/genproto/googleapis/rpc/status
for f in $files; do map="$map,M$f=$pkg"; done
protoc -I "$proto" \
  --go_out="$out/src" --go_opt="$map" --go-grpc_out="$out/src" --go-grpc_opt="$map" $files
cd "$here"
GO111MODULE=off GOPATH="$out:/usr/share/gocode" GOFLAGS= go build -o "$out/taskmaster-client" .
