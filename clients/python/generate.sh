#!/bin/sh
# Generates the Python modules of the taskmaster.v1 contract into OUT (default: ./gen), with
# Debian's protoc and grpc_python_plugin (apt-get install protobuf-compiler protobuf-compiler-grpc).
# Run it from anywhere; put OUT on PYTHONPATH to import taskmaster.v1.taskmaster_pb2_grpc.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
proto="$here/../../proto/src/main/proto"
out=${1:-gen}
mkdir -p "$out"
protoc -I "$proto" \
  --python_out="$out" --grpc_python_out="$out" \
  --plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin \
  google/rpc/status.proto $(cd "$proto" && echo taskmaster/v1/*.proto)
