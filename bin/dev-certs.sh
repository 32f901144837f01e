#!/usr/bin/env bash
# Makes a private CA and one key + certificate per name (PEM files, as the cluster.tls and
# http.tls config keys expect): for event-bus TLS with mutual authentication, and for trying
# HTTPS locally. For local trials and tests; in production, use your own PKI.
#   bin/cluster-certs.sh DIR [NODE...]   (default nodes: node; each valid for 127.0.0.1 and localhost)
set -euo pipefail
dir=${1:?usage: $0 DIR [NODE...]}
shift
nodes=("${@:-node}")
mkdir -p "$dir"
chmod 700 "$dir"
cd "$dir"
if [ ! -f ca.key ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=offload-dev-ca" \
    -keyout ca.key -out ca.crt 2>/dev/null
fi
for node in "${nodes[@]}"; do
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$node" -keyout "$node.key" -out "$node.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' >"$node.ext"
  openssl x509 -req -in "$node.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 \
    -extfile "$node.ext" -out "$node.crt" 2>/dev/null
  rm -f "$node.csr" "$node.ext"
done
chmod 600 ./*.key
echo "CA: $dir/ca.crt; nodes: ${nodes[*]} ($dir/<node>.key, $dir/<node>.crt)"
