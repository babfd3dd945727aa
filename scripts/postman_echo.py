"""A postman-echo-like HTTP server on 127.0.0.1, for measuring imported collections.

Answers the endpoints newman's integration collections use (/get, /post, /put, /patch,
/delete, /headers, /status/N, /cookies..., /basic-auth, /response-headers, /delay/N,
/gzip, /deflate, /encoding/utf8, /stream/N, /redirect-to, /type/html|xml, /ip) the way
postman-echo does: args, headers, url, and for bodies data, form, files and json.
It also serves as a proxy target: a request line with an absolute URL is answered as if
it were for this server, so nothing leaves loopback.

/digest-auth, /auth/hawk, /oauth1 and /oauth2/token, /oauth2/user/info check the credentials
postman-echo documents (user postman, password password; Hawk id dh37fgj492je; OAuth 1.0
consumer RKCGzna7bv9YD57c; OAuth 2.0 client abc123 and its code) and answer 401 when they are
wrong or missing.

`serve_all()` also starts stand-ins for the two servers newman's own test harness runs
(npm/server.js): the raw echo server of localhost:4041 (answers with the request as received,
as text, and in a `raw-request` header) and the redirect server of localhost:4042 (`/N` redirects
N times, `/status/NNN` answers NNN with `Location: /`, anything else echoes url, method,
headers and data). Requests proxied through the first server to the ports of the others, or to
ports 4041 and 4042, are answered as those would.

Standard library only. `python3 scripts/postman_echo.py PORT` serves until killed.
"""

import base64
import gzip
import hashlib
import hmac
import json
import re
import sys
import threading
import time
import zlib
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, unquote, urlsplit


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


DIGEST_NONCE = "ni1LiL0O37PRRhofWdCLmwFsnEtH1lew"
OAUTH2_CLIENT = {"code": "xWnkliVQJURqB2x1", "grant_type": "authorization_code",
                 "redirect_uri": "https://www.getpostman.com/oauth2/callback",
                 "client_id": "abc123", "client_secret": "ssh-secret"}
OAUTH2_TOKEN = ("vp7jxTwqgczoFHs0uIdOvv4VdBWmvCkbVbNBCuaTQ3JZplPS40BaNV47HD1zt7MztQPILJvqYsOs6P"
                "fJpFYBgwbaE3CVEKOj")
HAWK_KEYS = {"dh37fgj492je": "werxhqb98rpaxn39848xrunpaw3489ruxnpa98w4rxn"}
OAUTH1_SECRETS = {"RKCGzna7bv9YD57c": "D+EdQ-gs$-%@2Nu7"}


def _auth_params(header, scheme):
    """The key="value" pairs of an Authorization header of one scheme, or None."""
    if not header.lower().startswith(scheme.lower() + " "):
        return None
    pairs = re.findall(r'([\w-]+)=(?:"([^"]*)"|([^,\s]*))', header[len(scheme) + 1:])
    return {k: q or b for k, q, b in pairs}


def digest_ok(header, method):
    p = _auth_params(header, "Digest")
    if not p or p.get("username") != "postman" or p.get("realm") != "Users":
        return False
    md5 = lambda text: hashlib.md5(text.encode()).hexdigest()  # noqa: E731
    ha1 = md5(f"postman:Users:password")
    ha2 = md5(f"{method}:{p.get('uri', '')}")
    if p.get("qop"):
        expected = md5(f"{ha1}:{p.get('nonce')}:{p.get('nc')}:{p.get('cnonce')}:{p.get('qop')}:{ha2}")
    else:
        expected = md5(f"{ha1}:{p.get('nonce')}:{ha2}")
    return hmac.compare_digest(expected, p.get("response", ""))


def hawk_ok(header, method, resource, host):
    p = _auth_params(header, "Hawk")
    key = HAWK_KEYS.get((p or {}).get("id"))
    if not key:
        return False
    name, _, port = host.partition(":")
    text = "".join(f"{v}\n" for v in [
        "hawk.1.header", p.get("ts", ""), p.get("nonce", ""), method, resource, name,
        port or "80", p.get("hash", ""), p.get("ext", "").replace("\\", "\\\\").replace("\n", "\\n")])
    if p.get("app"):
        text += f"{p['app']}\n{p.get('dlg', '')}\n"
    mac = base64.b64encode(hmac.new(key.encode(), text.encode(), hashlib.sha256).digest()).decode()
    return hmac.compare_digest(mac, p.get("mac", ""))


def oauth1_ok(header, method, url, query, form):
    p = _auth_params(header, "OAuth")
    secret = OAUTH1_SECRETS.get(unquote((p or {}).get("oauth_consumer_key", "")))
    if secret is None or unquote(p.get("oauth_signature_method", "")) != "HMAC-SHA1":
        return False
    enc = lambda text: quote(text, safe="-._~")  # noqa: E731
    params = [(unquote(k), unquote(v)) for k, v in p.items()
              if k.startswith("oauth_") and k != "oauth_signature"]
    params += parse_qsl(query, keep_blank_values=True) + form
    normal = "&".join(f"{k}={v}" for k, v in sorted((enc(k), enc(v)) for k, v in params))
    base = "&".join([method, enc(url), enc(normal)])
    signing_key = f"{enc(secret)}&"  # the fixtures send no token
    digest = hmac.new(signing_key.encode(), base.encode(), hashlib.sha1).digest()
    return hmac.compare_digest(base64.b64encode(digest).decode(), unquote(p.get("oauth_signature", "")))


class Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    modes = {}  # port -> "raw" or "redirect", for the stand-ins of newman's own servers

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
        # the URL as the client wrote it (proxied: the request line's), and as postman-echo
        # reports it: port 443 of a plain http URL stands for https (see import-coverage.py)
        client = self.client_url or f"http://{self.headers.get('Host', '127.0.0.1')}"
        origin = urlsplit(client)
        host = origin.netloc
        public = f"https://{origin.hostname}" if origin.port == 443 else f"http://{host}"
        url = f"{public}{path}" + (f"?{split.query}" if split.query else "")
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
        if head == "digest-auth":
            if digest_ok(self.headers.get("Authorization", ""), self.command):
                return self._send(200, {"authenticated": True})
            challenge = f'Digest realm="Users", nonce="{DIGEST_NONCE}", qop="auth"'
            return self._send(401, None, raw=b"Unauthorized",
                              headers={"WWW-Authenticate": challenge, "Content-Type": "text/plain"})
        if head == "auth" and parts[1:] == ["hawk"]:
            resource = path + (f"?{split.query}" if split.query else "")
            if hawk_ok(self.headers.get("Authorization", ""), self.command, resource, host):
                return self._send(200, {"message": "Hawk Authentication Successful"})
            return self._send(401, {"statusCode": 401, "error": "Unauthorized"})
        if head == "oauth1":
            form = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True) if (
                self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded")) else []
            if oauth1_ok(self.headers.get("Authorization", ""), self.command,
                         f"{origin.scheme}://{host}{path}", split.query, form):
                return self._send(200, {"status": "pass",
                                        "message": "OAuth-1.0a signature verification was successful"})
            return self._send(401, {"status": "fail",
                                    "message": "HMAC-SHA1 verification failed"})
        if head == "oauth2":
            return self._oauth2(parts, body)
        if head == "basic-auth":
            expected = "Basic " + base64.b64encode(b"postman:password").decode()
            ok = self.headers.get("Authorization") == expected
            return self._send(200 if ok else 401, {"authenticated": ok})
        if head == "response-headers":
            # like postman-echo (express), a Content-Type's parameters are re-joined with "; "
            headers = {k: "; ".join(p.strip() for p in v.split(";")) if k.lower() == "content-type"
                       else v for k, v in args.items()}
            return self._send(200, args, headers=headers)
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

    def _oauth2(self, parts, body):
        """postman-echo's OAuth 2.0 example: a token for the documented client and code, and
        the user behind that token."""
        if parts[1:] == ["token"]:
            content_type = self.headers.get("Content-Type", "")
            form = (_multipart(body, content_type)[0] if content_type.startswith("multipart/")
                    else _args(body.decode("utf-8", "replace")))
            if all(form.get(k) == v for k, v in OAUTH2_CLIENT.items()):
                return self._send(200, {"access_token": OAUTH2_TOKEN, "token_type": "Bearer"})
        elif parts[1:] == ["user", "info"]:
            if self.headers.get("Authorization") == f"Bearer {OAUTH2_TOKEN}":
                return self._send(200, {"user_id": 1, "name": "postman"})
        else:
            return self._send(404, {})
        return self._send(401, None, raw=b"Unauthorized", headers={"Content-Type": "text/plain"})

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
        mode = self.modes.get(self.server.server_address[1], "echo")
        self.client_url = None
        if self.path.startswith("http://") or self.path.startswith("https://"):
            split = urlsplit(self.path)
            self.client_url = f"{split.scheme}://{split.netloc}"
            mode = self.modes.get(split.port, mode)
            self.path = (split.path or "/") + (f"?{split.query}" if split.query else "")
        try:
            {"echo": self._route, "raw": self._raw, "redirect": self._redirect}[mode]()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _raw(self):
        """newman's raw echo server: the request as received is the answer."""
        head = f"{self.command} {self.path} {self.request_version}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in self.headers.items()) + "\r\n"
        text = head + self._body().decode("utf-8", "replace")
        self._send(200, None, raw=text.encode(), headers={
            "Content-Type": "text/plain", "raw-request": json.dumps(text)})

    def _redirect(self):
        """newman's redirect server: /N redirects N times, /status/NNN answers NNN."""
        data = self._body().decode("utf-8", "replace")
        if re.fullmatch(r"/\d+", self.path):
            hops = int(self.path[1:]) - 1
            return self._send(302, None, raw=b"", headers={"Location": f"/{hops}" if hops > 0 else "/"})
        if re.fullmatch(r"/status/\d{3}", self.path):
            return self._send(int(self.path[-3:]), None, raw=b"", headers={"Location": "/"})
        self._send(200, {"url": self.path, "method": self.command,
                         "headers": self._headers(), "data": data})

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


def serve_all():
    """The echo server, the raw echo server and the redirect server, each on an ephemeral
    port of 127.0.0.1 and serving in a thread; the first is also the proxy of the others."""
    servers = [serve(0) for _ in range(3)]
    Echo.modes.update({servers[1].server_address[1]: "raw", 4041: "raw",
                       servers[2].server_address[1]: "redirect", 4042: "redirect"})
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    return servers


if __name__ == "__main__":
    serve(int(sys.argv[1])).serve_forever()
