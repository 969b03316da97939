#!/usr/bin/env bash
# Regenerates the TLS material used by the transport tests (Tests/WSManCurlTests/Certificates):
#   ca.pem / ca.key          a private test CA
#   server.pem / server.key  a server certificate signed by it for localhost and 127.0.0.1
#   other-ca.pem             an unrelated CA (verification against it must fail)
# Test-only keys: never use them anywhere else.
set -euo pipefail
out="${1:-Tests/WSManCurlTests/Certificates}"
mkdir -p "$out"
cd "$out"
days=7300
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days "$days" -subj "/CN=HyperVAgent Test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
cat > server.ext <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1
EXT
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days "$days" -extfile server.ext 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.pem -days "$days" -subj "/CN=Unrelated CA" \
  -addext "basicConstraints=critical,CA:TRUE" 2>/dev/null
rm -f server.csr server.ext ca.srl other-ca.key
echo "test certificates written to $out"
