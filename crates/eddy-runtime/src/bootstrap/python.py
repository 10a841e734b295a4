"""Eddy's built-in runtime client for Python: runs a handler `module.function` against
the Lambda Runtime API at AWS_LAMBDA_RUNTIME_API. Standard library only."""

import importlib
import json
import logging
import os
import socket
import sys
import time

API = os.environ["AWS_LAMBDA_RUNTIME_API"]
HOST, _, PORT = API.rpartition(":")
BASE = "/2018-06-01/runtime"


class _Api:
    """HTTP/1.1 with keep-alive over one socket: each request in one write with
    TCP_NODELAY. (http.client would do, but importing it costs more than the rest of the
    start.)"""

    def __init__(self):
        self.sock = None
        self.buf = bytearray()

    def call(self, method, path, body=b"", headers=None):
        for attempt in (0, 1):
            try:
                if self.sock is None:
                    self.sock = socket.create_connection((HOST, int(PORT)))
                    self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    self.buf = bytearray()
                head = "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n" % (method, path, API, len(body))
                for name, value in (headers or {}).items():
                    head += "%s: %s\r\n" % (name, value)
                self.sock.sendall(head.encode("latin-1") + b"\r\n" + body)
                return self._read()
            except OSError:
                if self.sock is not None:
                    self.sock.close()
                self.sock = None
                if attempt:
                    raise

    def _recv(self):
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise OSError("the Runtime API closed the connection")
        self.buf += chunk

    def _read(self):
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end >= 0:
                break
            self._recv()
        lines = bytes(self.buf[:end]).decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length") or 0)
        start = end + 4
        while len(self.buf) < start + length:
            self._recv()
        body = bytes(self.buf[start:start + length])
        del self.buf[:start + length]
        return status, headers, body


api = _Api()


class _Obj:
    def __init__(self, fields):
        for k, v in (fields or {}).items():
            setattr(self, k, v)


class ClientContext:
    def __init__(self, doc):
        client = doc.get("client") or {}
        self.client = _Obj(
            {
                "installation_id": client.get("installationId"),
                "app_title": client.get("appTitle"),
                "app_version_name": client.get("appVersionName"),
                "app_version_code": client.get("appVersionCode"),
                "app_package_name": client.get("appPackageName"),
            }
        ) if client else None
        self.custom = doc.get("custom")
        self.env = doc.get("env")


class LambdaContext:
    def __init__(self, request_id, deadline_ms, arn, client_context, identity):
        self.aws_request_id = request_id
        self.invoked_function_arn = arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.client_context = ClientContext(client_context) if client_context else None
        self.identity = _Obj(identity) if identity else None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(int(self._deadline_ms - time.time() * 1000), 0)


class _RequestId(logging.Filter):
    request_id = ""

    def filter(self, record):
        record.aws_request_id = _RequestId.request_id
        return True


def _setup_logging():
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
            "%Y-%m-%dT%H:%M:%S",
        )
    )
    handler.formatter.converter = time.gmtime
    handler.addFilter(_RequestId())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(os.environ.get("AWS_LAMBDA_LOG_LEVEL", "WARNING").upper())


def _trace(exc):
    import traceback  # only on errors: it is not free to import

    return traceback.format_list(traceback.extract_tb(exc.__traceback__))


def _error_doc(exc, request_id=None):
    doc = {
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "stackTrace": _trace(exc),
    }
    if request_id is not None:
        doc["requestId"] = request_id
    return doc


def _log_error(error_type, message, trace=()):
    lines = ["[ERROR] %s: %s" % (error_type, message)]
    if trace:
        lines.append("Traceback (most recent call last):")
        lines.extend(line.rstrip("\n") for line in trace)
    print("\n".join(lines), flush=True)


def _init_error(error_type, message, trace=()):
    _log_error(error_type, message, trace)
    body = json.dumps(
        {"errorMessage": message, "errorType": error_type, "requestId": "", "stackTrace": list(trace)}
    ).encode()
    try:
        api.call(
            "POST",
            BASE + "/init/error",
            body,
            {"Lambda-Runtime-Function-Error-Type": error_type, "Content-Type": "application/json"},
        )
    finally:
        sys.exit(1)


def _load_handler():
    handler = os.environ.get("_HANDLER", "")
    root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    if root not in sys.path:
        sys.path.insert(0, root)
    module_name, _, function_name = handler.rpartition(".")
    if not module_name or not function_name:
        _init_error(
            "Runtime.MalformedHandlerName",
            "Bad handler '%s': not enough values to unpack (expected 2, got 1)" % handler,
        )
    module_name = module_name.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        _init_error(
            "Runtime.ImportModuleError",
            "Unable to import module '%s': %s" % (module_name, exc),
            _trace(exc),
        )
    except SyntaxError as exc:
        _init_error(
            "Runtime.UserCodeSyntaxError",
            "Syntax error in module '%s': %s" % (module_name, exc),
            _trace(exc),
        )
    except Exception as exc:  # noqa: BLE001 - any failure of the module's own code
        _init_error(
            "Runtime.ImportModuleError",
            "Unable to import module '%s': %s: %s" % (module_name, type(exc).__name__, exc),
            _trace(exc),
        )
    function = getattr(module, function_name, None)
    if not callable(function):
        _init_error(
            "Runtime.HandlerNotFound",
            "Handler '%s' missing on module '%s'" % (function_name, module_name),
        )
    return function


def main():
    _setup_logging()
    handler = _load_handler()
    while True:
        status, headers, body = api.call("GET", BASE + "/invocation/next")
        if status != 200:
            sys.exit(0)
        request_id = headers.get("lambda-runtime-aws-request-id", "")
        deadline = int(headers.get("lambda-runtime-deadline-ms") or 0)
        arn = headers.get("lambda-runtime-invoked-function-arn", "")
        trace = headers.get("lambda-runtime-trace-id")
        if trace:
            os.environ["_X_AMZN_TRACE_ID"] = trace
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        client_context = headers.get("lambda-runtime-client-context")
        identity = headers.get("lambda-runtime-cognito-identity")
        _RequestId.request_id = request_id
        try:
            event = json.loads(body) if body else {}
            context = LambdaContext(
                request_id,
                deadline,
                arn,
                json.loads(client_context) if client_context else None,
                json.loads(identity) if identity else None,
            )
            result = handler(event, context)
            try:
                out = json.dumps(result).encode()
            except (TypeError, ValueError) as exc:
                doc = {
                    "errorMessage": "Unable to marshal response: %s" % exc,
                    "errorType": "Runtime.MarshalError",
                    "requestId": request_id,
                    "stackTrace": [],
                }
                _log_error(doc["errorType"], doc["errorMessage"])
                api.call(
                    "POST",
                    "%s/invocation/%s/error" % (BASE, request_id),
                    json.dumps(doc).encode(),
                    {"Lambda-Runtime-Function-Error-Type": "Runtime.MarshalError", "Content-Type": "application/json"},
                )
                continue
            api.call(
                "POST",
                "%s/invocation/%s/response" % (BASE, request_id),
                out,
                {"Content-Type": "application/json"},
            )
        except Exception as exc:  # noqa: BLE001 - the handler's error goes to the caller
            doc = _error_doc(exc, request_id)
            _log_error(doc["errorType"], doc["errorMessage"], doc["stackTrace"])
            api.call(
                "POST",
                "%s/invocation/%s/error" % (BASE, request_id),
                json.dumps(doc).encode(),
                {"Lambda-Runtime-Function-Error-Type": "Unhandled", "Content-Type": "application/json"},
            )


if __name__ == "__main__":
    sys.argv = sys.argv[:1]
    # The bootstrap's own directory is not the user's code.
    if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
        sys.path.pop(0)
    main()
