"""A postman-echo-like HTTP server on 127.0.0.1, for measuring imported collections.

Answers the endpoints newman's integration collections use (/get, /post, /put, /patch,
/delete, /headers, /status/N, /cookies..., /basic-auth, /response-headers, /delay/N,
/gzip, /deflate, /encoding/utf8, /stream/N, /redirect-to, /type/html|xml, /ip) the way
postman-echo does: args, headers, url, and for bodies data, form, files and json.
It also serves as a proxy target: a request line with an absolute URL is answered as if
it were for this server, so nothing leaves loopback.

Standard library only. `python3 scripts/postman_echo.py PORT` serves until killed.
"""

import base64
import gzip
import json
import sys
import time
import zlib
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


def _args(query):
    args = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key in args:
            if not isinstance(args[key], list):
                args[key] = [args[key]]
            args[key].append(value)
        else:
            args[key] = value
    return args


def _multipart(body, content_type):
    """The text fields and files of a multipart body."""
    form, files = {}, {}
    boundary = None
    for part in content_type.split(";"):
        part = part.strip()
        if part.startswith("boundary="):
            boundary = part[len("boundary="):].strip('"')
    if not boundary:
        return form, files
    for chunk in body.split(b"--" + boundary.encode()):
        chunk = chunk.strip(b"\r\n")
        if not chunk or chunk == b"--" or b"\r\n\r\n" not in chunk:
            continue
        head, value = chunk.split(b"\r\n\r\n", 1)
        disposition = ""
        for line in head.decode("utf-8", "replace").split("\r\n"):
            if line.lower().startswith("content-disposition:"):
                disposition = line
        params = {}
        for item in disposition.split(";")[1:]:
            if "=" in item:
                k, v = item.strip().split("=", 1)
                params[k] = v.strip('"')
        name = params.get("name", "")
        if "filename" in params:
            encoded = base64.b64encode(value).decode()
            files[params["filename"]] = "data:application/octet-stream;base64," + encoded
        else:
            form[name] = value.decode("utf-8", "replace")
    return form, files


class Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _send(self, status, payload, headers=None, raw=None):
        body = raw if raw is not None else json.dumps(payload).encode()
        self.send_response(status)
        sent = {k.lower() for k in (headers or {})}
        for key, value in (headers or {}).items():
            values = value if isinstance(value, list) else [value]
            for v in values:
                self.send_header(key, v)
        if "content-type" not in sent:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _headers(self):
        return {k.lower(): v for k, v in self.headers.items()}

    def _cookies(self):
        jar = SimpleCookie()
        jar.load(self.headers.get("Cookie", ""))
        return {k: m.value for k, m in jar.items()}

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _echo(self, url, args, body):
        payload = {"args": args}
        if self.command not in ("GET", "HEAD"):
            content_type = self.headers.get("Content-Type", "")
            text = body.decode("utf-8", "replace")
            form, files, data, parsed = {}, {}, "", None
            if content_type.startswith("application/x-www-form-urlencoded"):
                form = _args(text)
            elif content_type.startswith("multipart/form-data"):
                form, files = _multipart(body, content_type)
            else:
                data = text
                try:
                    parsed = json.loads(text) if text else None
                except ValueError:
                    parsed = None
                if isinstance(parsed, (dict, list)):
                    data = parsed
            payload.update({"data": data, "files": files, "form": form, "json": parsed})
        payload["headers"] = self._headers()
        payload["url"] = url
        return payload

    def _route(self):
        split = urlsplit(self.path)
        path, args = split.path, _args(split.query)
        host = self.headers.get("Host", "127.0.0.1")
        url = f"http://{host}{path}" + (f"?{split.query}" if split.query else "")
        body = self._body()
        parts = [p for p in path.split("/") if p]
        head = parts[0] if parts else ""
        method = self.command.lower()
        if head in ("get", "post", "put", "patch", "delete") or (not head and method != "get"):
            return self._send(200, self._echo(url, args, body))
        if head == "headers":
            return self._send(200, {"headers": self._headers()})
        if head == "status" and len(parts) > 1 and parts[1].isdigit():
            return self._send(int(parts[1]), {"status": int(parts[1])})
        if head == "delay" and len(parts) > 1:
            time.sleep(min(float(parts[1]), 10))
            return self._send(200, {"delay": parts[1]})
        if head == "basic-auth":
            expected = "Basic " + base64.b64encode(b"postman:password").decode()
            ok = self.headers.get("Authorization") == expected
            return self._send(200 if ok else 401, {"authenticated": ok})
        if head == "response-headers":
            return self._send(200, args, headers={k: v for k, v in args.items()})
        if head == "cookies":
            return self._cookie_route(parts, args)
        if head == "redirect-to":
            status = int(args.get("status_code") or 302)
            return self._send(status, {}, headers={"Location": args.get("url", "/get")})
        if head in ("gzip", "deflate"):
            key = "gzipped" if head == "gzip" else "deflated"
            payload = json.dumps({key: True, "headers": self._headers(),
                                  "method": self.command}).encode()
            packed = gzip.compress(payload) if head == "gzip" else zlib.compress(payload)
            return self._send(200, None, raw=packed, headers={"Content-Encoding": head})
        if head == "encoding":
            text = "<html><body>Unicode Demo: ∮ E⋅da = Q, ≈ 𝌆 你好</body></html>"
            return self._send(200, None, raw=text.encode(),
                              headers={"Content-Type": "text/html; charset=utf-8"})
        if head == "stream" and len(parts) > 1:
            lines = [json.dumps({"args": args, "id": i}) for i in range(int(parts[1]))]
            return self._send(200, None, raw="\n".join(lines).encode())
        if head == "type" and len(parts) > 1:
            kind = parts[1]
            text = "<html><body>hello</body></html>" if kind == "html" else "<?xml version=\"1.0\"?><x/>"
            return self._send(200, None, raw=text.encode(), headers={"Content-Type": f"text/{kind}"})
        if head == "ip":
            return self._send(200, {"ip": "127.0.0.1"})
        return self._send(200, self._echo(url, args, body))

    def _cookie_route(self, parts, args):
        if len(parts) == 1:
            return self._send(200, {"cookies": self._cookies()})
        if parts[1] == "set":
            cookies = [f"{k}={v}; Path=/" for k, v in args.items()]
            return self._send(302, {}, headers={"Location": "/cookies", "Set-Cookie": cookies})
        if parts[1] == "delete":
            cookies = [f"{k}=; Path=/; Max-Age=0" for k in args]
            return self._send(302, {}, headers={"Location": "/cookies", "Set-Cookie": cookies})
        return self._send(404, {})

    def _handle(self):
        if self.path.startswith("http://") or self.path.startswith("https://"):
            split = urlsplit(self.path)
            self.path = split.path + (f"?{split.query}" if split.query else "")
        try:
            self._route()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_CONNECT(self):
        self._send(405, {"error": "tunnels are refused: loopback only"})

    def __getattr__(self, name):
        # any other method (GET, POST, PROPFIND, a custom one) is echoed
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)


def serve(port):
    server = ThreadingHTTPServer(("127.0.0.1", port), Echo)
    server.daemon_threads = True
    return server


if __name__ == "__main__":
    serve(int(sys.argv[1])).serve_forever()
