#!/usr/bin/env node
'use strict';
// An optoracle harness in plain Node (no packages), written from PROTOCOL.md alone.
//
//   node examples/javascript/harness.js [TARGET.js] [--base64]
//
// TARGET.js (default: optimizers.js beside this file) exports the course functions, and
// optionally PARAMETERS: {function name: [{name, kind, default?}]} for the handshake.
// Requests arrive on stdin, one JSON object a line; each gets one reply line on stdout. What the
// target prints (console.log, process.stdout.write) goes to the file $OPTORACLE_STDOUT, or nowhere.
// --base64: announce the optional base64 array encoding (default: arrays as "data" only).

const fs = require('fs');
const path = require('path');
const readline = require('readline');
const { NDArray, STORAGE, tuple, isTuple } = require('./ndarray.js');

const PROTOCOL = 'optoracle/1';
const DTYPES = Object.keys(STORAGE);
const NONFINITE = new Map([['nan', NaN], ['inf', Infinity], ['-inf', -Infinity]]);

// ------------------------------------------------------------------ the protocol's channel
// Replies go through the real stdout; everything the target writes goes to $OPTORACLE_STDOUT.
const protocolWrite = process.stdout.write.bind(process.stdout);
const outputFd = process.env.OPTORACLE_STDOUT ? fs.openSync(process.env.OPTORACLE_STDOUT, 'a') : null;
process.stdout.write = (chunk, encoding, callback) => {
  if (outputFd !== null) fs.writeSync(outputFd, typeof chunk === 'string' ? chunk : Buffer.from(chunk));
  if (typeof encoding === 'function') encoding(); else if (typeof callback === 'function') callback();
  return true;
};

class ProtocolError extends Error {
  constructor(message) { super(message); this.name = 'ProtocolError'; }
}

class ExitRequest extends Error {          // process.exit() called by the target
  constructor(code) { super(''); this.name = 'SystemExit'; this.code = code; }
}

class FunctionRef {
  constructor(name) { this.name = name; }
}

class Opaque {
  constructor(type, repr) { this.type = type; this.repr = repr; }
}

// ------------------------------------------------------------------ values: decoding
function isObject(x) { return x !== null && typeof x === 'object' && !Array.isArray(x); }

function product(shape) { return shape.reduce((a, b) => a * b, 1); }

function decodeArray(body) {
  if (!isObject(body)) throw new ProtocolError('an ndarray is an object {dtype, shape, data | base64}');
  const { dtype, shape } = body;
  if (!DTYPES.includes(dtype)) throw new ProtocolError(`unknown dtype ${JSON.stringify(dtype)}; expected one of ${DTYPES.join(', ')}`);
  if (!Array.isArray(shape) || !shape.every((n) => Number.isInteger(n) && n >= 0)) {
    throw new ProtocolError(`an ndarray's shape is a list of sizes, got ${JSON.stringify(shape)}`);
  }
  const size = product(shape);
  if ('base64' in body) return new NDArray(dtype, shape, fromBytes(dtype, size, body.base64));
  if (!Array.isArray(body.data)) throw new ProtocolError('an ndarray has "data" (a list) or "base64"');
  if (body.data.length !== size) {
    throw new ProtocolError(`an ndarray of shape [${shape}] has ${size} values, got ${body.data.length}`);
  }
  const data = new STORAGE[dtype](size);
  body.data.forEach((x, i) => {
    if (dtype === 'bool') {
      if (typeof x !== 'boolean') throw new ProtocolError(`a bool array holds true/false, got ${JSON.stringify(x)}`);
      data[i] = x ? 1 : 0;
    } else if (dtype.startsWith('float')) {
      if (typeof x === 'number') data[i] = x;
      else if (NONFINITE.has(x)) data[i] = NONFINITE.get(x);
      else throw new ProtocolError(`a float array holds numbers or "nan", "inf", "-inf", got ${JSON.stringify(x)}`);
    } else {
      if (!Number.isInteger(x)) throw new ProtocolError(`an ${dtype} array holds integers, got ${JSON.stringify(x)}`);
      data[i] = x;
    }
  });
  return new NDArray(dtype, shape, data);
}

const ITEMSIZE = { float64: 8, float32: 4, float16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1 };

function halfToDouble(bits) {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

function doubleToHalf(x) {             // round to nearest, ties to even
  const f32 = new Float32Array([x]);
  const bits = new Uint32Array(f32.buffer)[0];
  const sign = (bits >>> 16) & 0x8000;
  if (Number.isNaN(x)) return sign | 0x7e00;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00;
  if (a < 2 ** -25) return sign;
  const exponent = Math.max(Math.floor(Math.log2(a)), -14);
  const scaled = a / 2 ** (exponent - 10);          // exact; the fraction's bits above the cut
  let mantissa = Math.round(scaled);
  if (Math.abs(scaled - Math.trunc(scaled) - 0.5) === 0 && mantissa % 2) mantissa -= 1;   // ties to even
  if (exponent === -14 && mantissa < 1024) return sign | mantissa;                       // subnormal
  return sign | (((exponent + 15) << 10) + (mantissa - 1024));
}

function fromBytes(dtype, size, text) {
  if (typeof text !== 'string' || text.length % 4 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new ProtocolError('base64 is standard base64 (A-Z a-z 0-9 + /, padded with =)');
  }
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== size * ITEMSIZE[dtype]) {
    throw new ProtocolError(`an ndarray of ${size} ${dtype} values has ${size * ITEMSIZE[dtype]} bytes, got ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const data = new STORAGE[dtype](size);
  const read = {
    float64: (i) => view.getFloat64(8 * i, true), float32: (i) => view.getFloat32(4 * i, true),
    float16: (i) => halfToDouble(view.getUint16(2 * i, true)), int64: (i) => Number(view.getBigInt64(8 * i, true)),
    int32: (i) => view.getInt32(4 * i, true), int16: (i) => view.getInt16(2 * i, true),
    int8: (i) => view.getInt8(i), uint8: (i) => view.getUint8(i), bool: (i) => (view.getUint8(i) ? 1 : 0),
  }[dtype];
  for (let i = 0; i < size; i++) data[i] = read(i);
  return data;
}

function decode(value, resolve) {
  if (Array.isArray(value)) return value.map((v) => decode(v, resolve));
  if (!isObject(value)) return value;                       // null, true, false, numbers, strings
  const keys = Object.keys(value);
  if (keys.length !== 1) throw new ProtocolError(`a tagged value has exactly one key, got ${JSON.stringify(keys.sort())}`);
  const tag = keys[0];
  const body = value[tag];
  switch (tag) {
    case 'ndarray': return decodeArray(body);
    case 'dict': {
      if (!isObject(body)) throw new ProtocolError('a dict is {"dict": {key: value, ...}}');
      const out = {};
      for (const k of Object.keys(body)) {
        Object.defineProperty(out, k, { value: decode(body[k], resolve), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    case 'tuple':
      if (!Array.isArray(body)) throw new ProtocolError('a tuple is {"tuple": [value, ...]}');
      return tuple(...body.map((v) => decode(v, resolve)));
    case 'float':
      if (!NONFINITE.has(body)) {
        throw new ProtocolError(`unknown float ${JSON.stringify(body)}; expected nan, inf or -inf`);
      }
      return NONFINITE.get(body);
    case 'function':
      if (typeof body !== 'string') throw new ProtocolError('a function reference is {"function": "name"}');
      return resolve ? resolve(body) : new FunctionRef(body);
    case 'object':
      return new Opaque(body && body.type, body && body.repr);
    default:
      throw new ProtocolError(`unknown tag ${JSON.stringify(tag)}`);
  }
}

// ------------------------------------------------------------------ values: encoding
// Numbers are written by hand: JSON.stringify cannot write NaN, infinities or -0.
function number(x) {
  if (Number.isNaN(x)) return '"nan"';
  if (x === Infinity) return '"inf"';
  if (x === -Infinity) return '"-inf"';
  if (Object.is(x, -0)) return '-0.0';
  return String(x);                  // the shortest decimal that reads back as the same double
}

function scalar(x) {
  return Number.isFinite(x) ? number(x) : `{"float":${number(x)}}`;
}

function toBytes(a) {
  const size = a.size;
  const bytes = Buffer.alloc(size * ITEMSIZE[a.dtype]);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const write = {
    float64: (i, x) => view.setFloat64(8 * i, x, true), float32: (i, x) => view.setFloat32(4 * i, x, true),
    float16: (i, x) => view.setUint16(2 * i, doubleToHalf(x), true), int64: (i, x) => view.setBigInt64(8 * i, BigInt(x), true),
    int32: (i, x) => view.setInt32(4 * i, x, true), int16: (i, x) => view.setInt16(2 * i, x, true),
    int8: (i, x) => view.setInt8(i, x), uint8: (i, x) => view.setUint8(i, x), bool: (i, x) => view.setUint8(i, x ? 1 : 0),
  }[a.dtype];
  for (let i = 0; i < size; i++) write(i, a.data[i]);
  return bytes.toString('base64');
}

function encodeArray(a, binary) {
  const head = `{"ndarray":{"dtype":"${a.dtype}","shape":[${a.shape.join(',')}],`;
  if (binary) return `${head}"base64":"${toBytes(a)}"}}`;
  const items = new Array(a.size);
  for (let i = 0; i < a.size; i++) items[i] = a.dtype === 'bool' ? (a.data[i] ? 'true' : 'false') : number(a.data[i]);
  return `${head}"data":[${items.join(',')}]}}`;
}

// A reply is plain JSON around its values; values are written by encode() and kept as Raw text.
class Raw {
  constructor(text) { this.text = text; }
}

function json(x) {
  if (x instanceof Raw) return x.text;
  if (typeof x === 'number') return number(x);
  if (Array.isArray(x)) return `[${x.map(json).join(',')}]`;
  if (x !== null && typeof x === 'object') {
    const fields = Object.keys(x).filter((k) => x[k] !== undefined);
    return `{${fields.map((k) => `${JSON.stringify(k)}:${json(x[k])}`).join(',')}}`;
  }
  return JSON.stringify(x);                                 // strings, booleans, null
}

function opaque(type, text) {
  return `{"object":{"type":${JSON.stringify(type)},"repr":${JSON.stringify(String(text).slice(0, 200))}}}`;
}

function encode(value, binary) {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return scalar(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof NDArray) return encodeArray(value, binary);
  if (Array.isArray(value)) {
    const items = value.map((v) => encode(v, binary)).join(',');
    return isTuple(value) ? `{"tuple":[${items}]}` : `[${items}]`;
  }
  if (value instanceof FunctionRef) return `{"function":${JSON.stringify(value.name)}}`;
  if (typeof value === 'function') return opaque('function', value.name);
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    const items = Object.keys(value).map((k) => `${JSON.stringify(k)}:${encode(value[k], binary)}`);
    return `{"dict":{${items.join(',')}}}`;
  }
  return opaque(value.constructor ? value.constructor.name : 'object', value);
}

// ------------------------------------------------------------------ observations
const escape = (key) => String(key).replace(/~/g, '~0').replace(/\//g, '~1');   // RFC 6901

function snapshot(value) {
  if (value instanceof NDArray) return value.copy();
  if (Array.isArray(value)) {
    const items = value.map(snapshot);
    return isTuple(value) ? tuple(...items) : items;
  }
  if (isObject(value) && !(value instanceof FunctionRef) && !(value instanceof Opaque)) {
    const out = {};
    for (const k of Object.keys(value)) {
      Object.defineProperty(out, k, { value: snapshot(value[k]), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;                                              // numbers, strings, functions: immutable
}

function bytesOf(a) { return new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength); }

function sameBytes(x, y) {
  const a = bytesOf(x); const b = bytesOf(y);
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// JSON pointers of the parts of `after` that differ from the snapshot `before`.
function changed(before, after, pointer) {
  if (before instanceof NDArray) {
    const same = after instanceof NDArray && before.dtype === after.dtype &&
      before.shape.join() === after.shape.join() && sameBytes(before, after);
    return same ? [] : [pointer];
  }
  if (Array.isArray(before)) {
    if (!Array.isArray(after) || isTuple(before) !== isTuple(after) || before.length !== after.length) return [pointer];
    return before.flatMap((b, i) => changed(b, after[i], `${pointer}/${i}`));
  }
  if (isObject(before) && !(before instanceof FunctionRef) && !(before instanceof Opaque)) {
    if (!isObject(after)) return [pointer];
    const keys = Object.keys(before);
    const others = Object.keys(after);
    if (keys.length !== others.length || !keys.every((k) => Object.prototype.hasOwnProperty.call(after, k))) {
      return [pointer];
    }
    return keys.flatMap((k) => changed(before[k], after[k], `${pointer}/${escape(k)}`));
  }
  return Object.is(before, after) ? [] : [pointer];
}

function* leaves(value, pointer = '') {
  if (value instanceof NDArray) yield [pointer, value];
  else if (Array.isArray(value)) for (let i = 0; i < value.length; i++) yield* leaves(value[i], `${pointer}/${i}`);
  else if (isObject(value)) for (const k of Object.keys(value)) yield* leaves(value[k], `${pointer}/${escape(k)}`);
}

function overlap(a, b) {
  if (a.data.buffer !== b.data.buffer || a.data.byteLength === 0 || b.data.byteLength === 0) return false;
  return a.data.byteOffset < b.data.byteOffset + b.data.byteLength &&
    b.data.byteOffset < a.data.byteOffset + a.data.byteLength;
}

// Groups of JSON pointers into `value` whose arrays share memory.
function sharedBuffers(value) {
  const all = [...leaves(value)];
  const seen = new Set();
  const groups = [];
  all.forEach(([p, a], i) => {
    if (seen.has(i)) return;
    const group = [p];
    for (let j = i + 1; j < all.length; j++) {
      if (!seen.has(j) && overlap(a, all[j][1])) { seen.add(j); group.push(all[j][0]); }
    }
    if (group.length > 1) groups.push(group);
  });
  return groups;
}

// ------------------------------------------------------------------ the server
function errorOf(e, phase) {
  const error = { type: 'Error', message: '', phase };
  if (e instanceof ExitRequest) {
    error.type = 'SystemExit';
    error.exit_status = Number.isInteger(e.code) ? e.code : 0;
  } else if (e instanceof Error) {
    error.type = e.name || 'Error';
    error.message = e.message;
  } else {
    error.message = String(e);
  }
  error.traceback = (e instanceof Error && e.stack ? e.stack : String(e)).slice(-4000);
  return error;
}

// Python's argument binding, from the declared parameters: positional first, then keywords by
// name, then the declared defaults. A call that does not bind raises TypeError (phase "call").
function bind(name, declared, args, kwargs) {
  const names = Object.keys(kwargs);
  if (!declared) {
    if (names.length) throw Object.assign(new Error(`${name}() takes no keyword arguments`), { name: 'TypeError' });
    return args;
  }
  const typeError = (message) => Object.assign(new Error(`${name}() ${message}`), { name: 'TypeError' });
  if (args.length > declared.length) {
    throw typeError(`takes ${declared.length} positional arguments but ${args.length} were given`);
  }
  for (const k of names) {
    const index = declared.findIndex((p) => p.name === k);
    if (index < 0) throw typeError(`got an unexpected keyword argument '${k}'`);
    if (index < args.length) throw typeError(`got multiple values for argument '${k}'`);
  }
  const bound = args.slice();
  for (let i = args.length; i < declared.length; i++) {
    const p = declared[i];
    if (Object.prototype.hasOwnProperty.call(kwargs, p.name)) bound.push(kwargs[p.name]);
    else if ('default' in p) bound.push(decode(p.default));
    else throw typeError(`missing required argument: '${p.name}'`);
  }
  return bound;
}

class Server {
  constructor(source, base64) {
    this.source = source;
    this.announceBase64 = base64;
    this.binary = false;               // reply with base64 arrays (the checker said it reads them)
    this.module = null;
    this.finished = false;
  }

  handle(line) {
    let message;
    try {
      message = JSON.parse(line);
    } catch (e) {
      return this.protocolError(null, `not a JSON line (${e.message})`);
    }
    if (!isObject(message)) return this.protocolError(null, 'a message is a JSON object');
    const id = message.id === undefined ? null : message.id;
    try {
      if (message.op === 'hello') return this.reply({ id, ...this.hello(message) });
      if (message.op === 'call') return this.call(id, message);
      if (message.op === 'bye') {
        this.finished = true;              // no more requests: the harness exits after this reply
        return this.reply({ id, ok: true });
      }
      throw new ProtocolError(`unknown op ${JSON.stringify(message.op)}`);
    } catch (e) {        // anything but the target's own call (answered above) is the protocol's
      const what = e instanceof ProtocolError ? e.message : `the request could not be handled: ${e.message}`;
      return this.protocolError(id, what);
    }
  }

  reply(message) { return json(message); }

  protocolError(id, message) {
    return json({ id, ok: false, error: { type: 'ProtocolError', message, phase: 'protocol' } });
  }

  hello(message) {
    if (message.protocol !== undefined && message.protocol !== PROTOCOL) {
      throw new ProtocolError(`this harness speaks ${PROTOCOL}, not ${JSON.stringify(message.protocol)}`);
    }
    const asked = message.functions === undefined ? [] : message.functions;
    const encodings = message.encodings === undefined ? [] : message.encodings;
    if (!Array.isArray(asked) || !asked.every((f) => typeof f === 'string')) {
      throw new ProtocolError('"functions" is a list of function names');
    }
    if (!Array.isArray(encodings)) throw new ProtocolError('"encodings" is a list');
    this.binary = this.announceBase64 && encodings.includes('base64');
    try {
      this.module = withExitTrap(() => require(this.source));
    } catch (e) {
      return { ok: false, error: errorOf(e, 'load') };
    }
    const declared = this.module.PARAMETERS || {};
    const functions = {};
    const describe = (p) => ('default' in p ? { ...p, default: new Raw(encode(p.default)) } : p);
    for (const name of asked) {
      if (typeof this.module[name] === 'function') {
        functions[name] = { parameters: declared[name] ? declared[name].map(describe) : null };
      }
    }
    return {
      ok: true, protocol: PROTOCOL, functions, encodings: this.announceBase64 ? ['base64'] : [],
      target: { source: this.source, language: `javascript (node ${process.version})`, file: this.source },
      notes: [],
    };
  }

  function(name) {
    const fn = this.module && Object.prototype.hasOwnProperty.call(this.module, name) ? this.module[name] : undefined;
    if (typeof fn !== 'function') throw new ProtocolError(`the target has no function ${JSON.stringify(name)}`);
    return fn;
  }

  call(id, message) {
    if (this.module === null) throw new ProtocolError('call before hello');
    if (typeof message.function !== 'string') throw new ProtocolError('a call names its "function"');
    const fn = this.function(message.function);
    const rawArgs = message.args === undefined ? [] : message.args;
    const rawKwargs = message.kwargs === undefined ? {} : message.kwargs;
    const observe = message.observe === undefined ? [] : message.observe;
    if (!Array.isArray(rawArgs)) throw new ProtocolError('"args" is a list of values');
    if (!isObject(rawKwargs)) throw new ProtocolError('"kwargs" is an object of values');
    if (!Array.isArray(observe)) throw new ProtocolError('"observe" is a list');
    const resolve = (name) => this.function(name);
    const args = decode(rawArgs, resolve);
    const kwargs = decode({ dict: rawKwargs }, resolve);
    const before = snapshot([args, kwargs]);
    const start = process.hrtime.bigint();
    let value;
    try {
      value = withExitTrap(() => fn(...bind(message.function, (this.module.PARAMETERS || {})[message.function],
        args, kwargs)));
    } catch (e) {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      return json({ id, ok: false, error: errorOf(e, 'call'), seconds });
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const mutated = changed(before[0], args, '/args').concat(changed(before[1], kwargs, '/kwargs'));
    const shared = observe.includes('shared') ? sharedBuffers(value) : undefined;
    return json({ id, ok: true, seconds, mutated, shared, value: new Raw(encode(value, this.binary)) });
  }
}

// process.exit() inside the target becomes an error of type SystemExit with its exit_status.
function withExitTrap(body) {
  const exit = process.exit;
  process.exit = (code) => { throw new ExitRequest(code === undefined ? 0 : code); };
  try {
    return body();
  } finally {
    process.exit = exit;
  }
}

function main(argv) {
  const base64 = argv.includes('--base64');
  const rest = argv.filter((a) => a !== '--base64');
  const source = path.resolve(rest[0] || path.join(__dirname, 'optimizers.js'));
  const server = new Server(source, base64);
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (server.finished || !line.trim()) return;
    protocolWrite(`${server.handle(line)}\n`);
    if (server.finished) {
      lines.close();
      process.stdin.destroy();
    }
  });
}

if (require.main === module) main(process.argv.slice(2));

module.exports = { Server, decode, encode, changed, sharedBuffers, bind };
