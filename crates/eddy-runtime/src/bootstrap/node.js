// Eddy's built-in runtime client for Node.js: runs a handler `module.function` (async,
// promise-returning or callback style; CommonJS or ES modules) against the Lambda Runtime
// API at AWS_LAMBDA_RUNTIME_API. Node's standard library only.
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');
const util = require('util');
const { pathToFileURL } = require('url');

const API = process.env.AWS_LAMBDA_RUNTIME_API || '';
const HOST = API.slice(0, API.lastIndexOf(':'));
const PORT = Number(API.slice(API.lastIndexOf(':') + 1));
const BASE = '/2018-06-01/runtime';
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function call(method, p, body, headers) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(body);
    const h = Object.assign({}, headers || {});
    if (data) h['Content-Length'] = data.length;
    const req = http.request({ host: HOST, port: PORT, method, path: p, agent, headers: h }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('socket', (s) => s.setNoDelay(true));
    req.on('error', reject);
    if (data) req.end(data); else req.end();
  });
}

let requestId = '';
function patchConsole() {
  const levels = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG', trace: 'TRACE' };
  for (const [name, level] of Object.entries(levels)) {
    console[name] = (...args) => {
      process.stdout.write(`${new Date().toISOString()}\t${requestId || 'undefined'}\t${level}\t${util.format(...args)}\n`);
    };
  }
}

function errorDoc(err) {
  if (err instanceof Error) {
    return {
      errorType: err.name || 'Error',
      errorMessage: err.message,
      trace: String(err.stack || '').split('\n'),
    };
  }
  return { errorType: typeof err, errorMessage: String(err), trace: [] };
}

class Fault extends Error {
  constructor(type, message) {
    super(message);
    this.name = type;
  }
}

async function initError(err) {
  const doc = errorDoc(err);
  process.stdout.write(`${new Date().toISOString()}\tundefined\tERROR\t${doc.errorType}: ${doc.errorMessage}\n`);
  try {
    await call('POST', `${BASE}/init/error`, JSON.stringify(doc), {
      'Lambda-Runtime-Function-Error-Type': doc.errorType,
      'Content-Type': 'application/json',
    });
  } finally {
    process.exit(1);
  }
}

async function loadHandler() {
  const handler = process.env._HANDLER || '';
  const root = process.env.LAMBDA_TASK_ROOT || process.cwd();
  const dot = handler.lastIndexOf('.');
  if (dot <= 0 || dot === handler.length - 1) {
    throw new Fault('Runtime.MalformedHandlerName', `Bad handler ${handler}`);
  }
  const modulePath = handler.slice(0, dot);
  const functionPath = handler.slice(dot + 1);
  const base = path.resolve(root, modulePath);
  let mod;
  try {
    if (fs.existsSync(base + '.mjs')) {
      mod = await import(pathToFileURL(base + '.mjs').href);
    } else if (fs.existsSync(base + '.cjs')) {
      mod = require(base + '.cjs');
    } else {
      try {
        mod = require(base);
      } catch (e) {
        if (e && (e.code === 'ERR_REQUIRE_ESM' || e.code === 'ERR_REQUIRE_ASYNC_MODULE')) {
          mod = await import(pathToFileURL(base + '.js').href);
        } else {
          throw e;
        }
      }
    }
  } catch (e) {
    if (e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes(base)) {
      throw new Fault('Runtime.ImportModuleError', `Error: Cannot find module '${modulePath}'`);
    }
    if (e instanceof SyntaxError) {
      throw new Fault('Runtime.UserCodeSyntaxError', `${e.name}: ${e.message}`);
    }
    throw e;
  }
  let fn = mod;
  for (const part of functionPath.split('.')) {
    fn = fn == null ? undefined : fn[part];
  }
  if (typeof fn !== 'function' && mod && mod.default && typeof mod.default === 'object') {
    fn = mod.default[functionPath];
  }
  if (typeof fn !== 'function') {
    throw new Fault('Runtime.HandlerNotFound', `${handler} is undefined or not exported`);
  }
  return fn;
}

function run(fn, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (err, result) => {
      if (settled) return;
      settled = true;
      if (err !== undefined && err !== null) reject(err); else resolve(result);
    };
    context.done = callback;
    context.succeed = (result) => callback(null, result);
    context.fail = (err) => callback(err === undefined || err === null ? new Error('handled') : err);
    try {
      const out = fn(event, context, callback);
      if (out && typeof out.then === 'function') {
        out.then((v) => callback(null, v), (e) => callback(e === undefined || e === null ? new Error(String(e)) : e));
      } else if (fn.length < 3) {
        callback(null, out);
      }
    } catch (e) {
      callback(e);
    }
  });
}

async function main() {
  patchConsole();
  let fn;
  try {
    fn = await loadHandler();
  } catch (e) {
    await initError(e);
    return;
  }
  for (;;) {
    const next = await call('GET', `${BASE}/invocation/next`);
    if (next.status !== 200) process.exit(0);
    const h = next.headers;
    requestId = h['lambda-runtime-aws-request-id'] || '';
    const deadline = Number(h['lambda-runtime-deadline-ms'] || 0);
    if (h['lambda-runtime-trace-id']) process.env._X_AMZN_TRACE_ID = h['lambda-runtime-trace-id'];
    else delete process.env._X_AMZN_TRACE_ID;
    const context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      invokedFunctionArn: h['lambda-runtime-invoked-function-arn'],
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      awsRequestId: requestId,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
      clientContext: h['lambda-runtime-client-context'] ? JSON.parse(h['lambda-runtime-client-context']) : undefined,
      identity: h['lambda-runtime-cognito-identity'] ? JSON.parse(h['lambda-runtime-cognito-identity']) : undefined,
      getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
    };
    let body;
    let failed = false;
    try {
      const event = next.body.length ? JSON.parse(next.body.toString('utf8')) : {};
      const result = await run(fn, event, context);
      body = JSON.stringify(result === undefined ? null : result);
    } catch (e) {
      failed = true;
      const doc = errorDoc(e);
      process.stdout.write(`${new Date().toISOString()}\t${requestId}\tERROR\tInvoke Error \t${JSON.stringify(doc)}\n`);
      body = JSON.stringify(doc);
    }
    const id = encodeURIComponent(requestId);
    if (failed) {
      await call('POST', `${BASE}/invocation/${id}/error`, body, {
        'Lambda-Runtime-Function-Error-Type': 'Unhandled',
        'Content-Type': 'application/json',
      });
    } else {
      await call('POST', `${BASE}/invocation/${id}/response`, body, { 'Content-Type': 'application/json' });
    }
  }
}

main().catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
