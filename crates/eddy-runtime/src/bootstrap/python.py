"""Eddy's built-in runtime client for Python: runs a handler `module.function` against
the Lambda Runtime API at AWS_LAMBDA_RUNTIME_API. Standard library only."""

import http.client
import importlib
import json
import logging
import os
import socket
import sys
import time
import traceback

API = os.environ["AWS_LAMBDA_RUNTIME_API"]
HOST, _, PORT = API.rpartition(":")
BASE = "/2018-06-01/runtime"


class _Api:
    def __init__(self):
        self.conn = None

    def call(self, method, path, body=None, headers=None):
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, int(PORT))
                self.conn.connect()
                self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                return response, response.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise


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


def _error_doc(exc, request_id=None):
    doc = {
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "stackTrace": traceback.format_list(traceback.extract_tb(exc.__traceback__)),
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
            traceback.format_list(traceback.extract_tb(exc.__traceback__)),
        )
    except SyntaxError as exc:
        _init_error(
            "Runtime.UserCodeSyntaxError",
            "Syntax error in module '%s': %s" % (module_name, exc),
            traceback.format_list(traceback.extract_tb(exc.__traceback__)),
        )
    except Exception as exc:  # noqa: BLE001 - any failure of the module's own code
        _init_error(
            "Runtime.ImportModuleError",
            "Unable to import module '%s': %s: %s" % (module_name, type(exc).__name__, exc),
            traceback.format_list(traceback.extract_tb(exc.__traceback__)),
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
        response, body = api.call("GET", BASE + "/invocation/next")
        if response.status != 200:
            sys.exit(0)
        request_id = response.getheader("Lambda-Runtime-Aws-Request-Id", "")
        deadline = int(response.getheader("Lambda-Runtime-Deadline-Ms", "0") or 0)
        arn = response.getheader("Lambda-Runtime-Invoked-Function-Arn", "")
        trace = response.getheader("Lambda-Runtime-Trace-Id")
        if trace:
            os.environ["_X_AMZN_TRACE_ID"] = trace
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        client_context = response.getheader("Lambda-Runtime-Client-Context")
        identity = response.getheader("Lambda-Runtime-Cognito-Identity")
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
