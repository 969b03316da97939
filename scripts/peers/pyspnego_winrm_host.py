#!/usr/bin/env python3
"""An independent WinRM-encryption peer for the agent's tests: a tiny HTTP/1.1 server that authenticates with
pyspnego's own (pure Python) SPNEGO/NTLM acceptor — not GSS-API, not gss-ntlmssp — and speaks WinRM message
encryption (MS-WSMV 2.2.9.1) as Windows does: handshake on the connection, then only sealed requests, answers sealed.
It answers Identify and echoes the a:Action of anything else in a SOAP body, so a client sees its own request.

Users come from NTLM_USER_FILE (DOMAIN:user:password lines). Prints its URL on the first line of stdout.
Written for this repository's tests (reads the protocol documents, copies no client code).
"""
import base64
import http.server
import os
import re
import socketserver
import struct
import sys

import spnego

BOUNDARY = b"--Encrypted Boundary"
PROTOCOL = b"application/HTTP-SPNEGO-session-encrypted"
IDENTIFY = (
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
    'xmlns:wsmid="http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd"><s:Header/><s:Body>'
    "<wsmid:IdentifyResponse><wsmid:ProtocolVersion>http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
    "</wsmid:ProtocolVersion><wsmid:ProductVendor>pyspnego peer</wsmid:ProductVendor>"
    "<wsmid:ProductVersion>OS: 0.0.0 SP: 0.0 Stack: 3.0</wsmid:ProductVersion></wsmid:IdentifyResponse>"
    "</s:Body></s:Envelope>"
)


def seal(context, plain):
    wrapped = context.wrap_winrm(plain)
    return (
        BOUNDARY + b"\r\n\tContent-Type: " + PROTOCOL + b"\r\n"
        b"\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length="
        + str(len(plain) + wrapped.padding_length).encode()
        + b"\r\n" + BOUNDARY + b"\r\n\tContent-Type: application/octet-stream\r\n"
        + struct.pack("<I", len(wrapped.header)) + wrapped.header + wrapped.data
        + BOUNDARY + b"--\r\n"
    )


def unseal(context, body):
    match = re.match(
        rb"--Encrypted Boundary\r\n\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n"
        rb"\tOriginalContent: type=application/soap\+xml;charset=UTF-8;Length=(\d+)\r\n"
        rb"--Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n",
        body,
    )
    if not match or not body.endswith(BOUNDARY + b"--\r\n"):
        raise ValueError("not WinRM multipart/encrypted framing")
    payload = body[match.end(): -len(BOUNDARY + b"--\r\n")]
    (header_length,) = struct.unpack("<I", payload[:4])
    header = payload[4: 4 + header_length]
    plain = context.unwrap_winrm(header, payload[4 + header_length:])
    if len(plain) != int(match.group(1)):
        raise ValueError("length mismatch")
    return plain


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    context = None  # per connection: one handler instance serves one connection

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        auth = self.headers.get("Authorization", "")
        if auth.lower().startswith("negotiate "):
            if self.context is None or self.context.complete:
                self.context = spnego.server(protocol="negotiate")
            try:
                out = self.context.step(base64.b64decode(auth.split(" ", 1)[1]))
            except Exception as error:  # refused: bad credentials or token
                self.context = None
                sys.stderr.write("refused: %s\n" % error)
                return self.reply(401, headers=[("WWW-Authenticate", "Negotiate")])
            header = [("WWW-Authenticate", "Negotiate " + base64.b64encode(out).decode())] if out else []
            if not self.context.complete:
                return self.reply(401, headers=header)
            if not body:
                return self.reply(200, headers=header)
        if self.context is None or not self.context.complete:
            return self.reply(401, headers=[("WWW-Authenticate", "Negotiate")])
        if not self.headers.get("Content-Type", "").startswith("multipart/encrypted"):
            return self.reply(401, headers=[("WWW-Authenticate", "Negotiate")])  # AllowUnencrypted=false
        try:
            request = unseal(self.context, body)
        except Exception as error:
            sys.stderr.write("cannot open a sealed request: %s\n" % error)
            return self.reply(400)
        if b"wsmid:Identify" in request or b"/identity/1/wsmanidentity.xsd" in request and b"Identify" in request:
            answer = IDENTIFY.encode()
        else:
            action = re.search(rb"<a:Action[^>]*>([^<]*)</a:Action>", request)
            answer = (
                '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header/><s:Body><Echo>%s</Echo>'
                "</s:Body></s:Envelope>" % (action.group(1).decode() if action else "?")
            ).encode()
        content_type = 'multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";boundary="Encrypted Boundary"'
        self.reply(200, seal(self.context, answer), [("Content-Type", content_type)])


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


if __name__ == "__main__":
    server = Server(("127.0.0.1", 0), Handler)
    print("http://127.0.0.1:%d/wsman" % server.server_address[1], flush=True)
    server.serve_forever()
