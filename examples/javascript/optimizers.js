'use strict';
// The course's optimizers in plain JavaScript, on the NDArray of ndarray.js: mini-batches,
// gradient descent, momentum and Adam (epsilon outside the root, Adam returning
// (parameters, v, s)). Written like the course's notebook: the update functions rebind the
// entries of `parameters`, `v` and `s` in place (SPEC api.in-place allows it; the harness
// observes it and says so in each reply) and never touch `grads`, `X` or `Y`.
//
// Arithmetic follows numpy's, operation by operation and in the reference's order
// (reference/optimizers.py), so float64 results agree with the Python reference to the last
// bit; float32 arrays are computed in float32 as numpy does (a Python float scalar is cast to
// float32 first; NEP 50), float64 where an operand is float64. Integer arrays give float64, as in
// numpy; float16 arrays (which the checker does not send) are computed in float64, unlike numpy.

const { NDArray, tuple } = require('./ndarray.js');

// ------------------------------------------------------------------ errors (SPEC api.errors)
function error(type, func, message) {
  const e = new Error(`${func}: ${message}`);
  e.name = type;                 // the protocol's error "type": ValueError / TypeError as in Python
  return e;
}

function isDict(x) {
  return x !== null && typeof x === 'object' && !Array.isArray(x) && !(x instanceof NDArray);
}

function numberOfLayers(parameters, func) {
  if (!isDict(parameters)) throw error('TypeError', func, "argument 'parameters' must be a dict of arrays");
  const keys = Object.keys(parameters);
  if (keys.length === 0 || keys.length % 2) {
    throw error('ValueError', func, "argument 'parameters' must hold W1, b1, ..., WL, bL " +
      `(an even, non-zero number of keys), got keys ${JSON.stringify(keys.sort())}`);
  }
  const L = keys.length / 2;
  for (let l = 1; l <= L; l++) {
    for (const name of ['W', 'b']) {
      const key = name + l;
      if (!(key in parameters)) throw error('ValueError', func, `argument 'parameters' is missing key '${key}'`);
      if (!(parameters[key] instanceof NDArray)) {
        throw error('TypeError', func, `parameters['${key}'] must be an array`);
      }
    }
  }
  return L;
}

function sameShape(a, b) { return a.length === b.length && a.every((n, i) => n === b[i]); }

function matchingDict(d, argname, parameters, L, func) {
  if (!isDict(d)) throw error('TypeError', func, `argument '${argname}' must be a dict of arrays`);
  for (let l = 1; l <= L; l++) {
    for (const name of ['W', 'b']) {
      const key = `d${name}${l}`;
      if (!(key in d)) {
        throw error('ValueError', func, `argument '${argname}' is missing key '${key}' (it must mirror ` +
          `parameters '${name}${l}')`);
      }
      if (!(d[key] instanceof NDArray)) throw error('TypeError', func, `${argname}['${key}'] must be an array`);
      const expected = parameters[name + l].shape;
      if (!sameShape(d[key].shape, expected)) {
        throw error('ValueError', func, `${argname}['${key}'] has shape [${d[key].shape}], but ` +
          `parameters['${name}${l}'] has shape [${expected}]`);
      }
    }
  }
}

function real(value, argname, func, low, below, why = '') {
  if (typeof value !== 'number') {
    throw error('TypeError', func, `argument '${argname}' must be a real number, got ${typeof value}`);
  }
  if (!Number.isFinite(value)) throw error('ValueError', func, `argument '${argname}' must be finite, got ${value}`);
  if (low !== undefined && value < low) {
    throw error('ValueError', func, `argument '${argname}' must be >= ${low}${why}, got ${value}`);
  }
  if (below !== undefined && value >= below) {
    throw error('ValueError', func, `argument '${argname}' must be < ${below}${why}, got ${value}`);
  }
}

function integer(value, argname, func, minimum, why = '') {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw error('TypeError', func, `argument '${argname}' must be an integer >= ${minimum}${why}, got ${value}`);
  }
  if (value < minimum) {
    throw error('ValueError', func, `argument '${argname}' must be an integer >= ${minimum}${why}, got ${value}`);
  }
}

const beta = (value, argname, func) => real(value, argname, func, 0, 1, ' (a decay rate in [0, 1))');
const nonNegative = (value, argname, func) => real(value, argname, func, 0);

// ------------------------------------------------------------------ numpy's arithmetic
// The dtype numpy computes an operation in: float32 if every array operand is float32, else
// float64 (int arrays with a float scalar give float64). R[dtype] rounds a double result to it:
// a float32 operation equals the double operation rounded to float32 (53 >= 2 * 24 + 2 bits).
const R = { float32: Math.fround, float64: (x) => x };
const kind = (a) => (a.dtype === 'float32' ? 'float32' : 'float64');
const promote = (...kinds) => (kinds.every((k) => k === 'float32') ? 'float32' : 'float64');

// x ** n for an integer n >= 0, correctly rounded (as C's pow, which Python's float ** int calls,
// is in practice; V8's Math.pow is not always): exponentiation by squaring in double-double.
function split(a) {
  const c = 134217729 * a;                 // 2^27 + 1 (Dekker)
  const hi = c - (c - a);
  return [hi, a - hi];
}

function twoProduct(a, b) {
  const p = a * b;
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return [p, ((ah * bh - p) + ah * bl + al * bh) + al * bl];
}

function ddMul(x, y) {                     // (x0 + x1) * (y0 + y1) in double-double
  const [p, e] = twoProduct(x[0], y[0]);
  const lo = e + (x[0] * y[1] + x[1] * y[0]);
  const hi = p + lo;
  return [hi, lo - (hi - p)];
}

function powInt(x, n) {
  if (!Number.isInteger(n) || n < 0 || n > Number.MAX_SAFE_INTEGER || !Number.isFinite(x)) return x ** n;
  let result = [1, 0];
  let base = [x, 0];
  while (n > 0) {
    if (n % 2 === 1) result = ddMul(result, base);
    n = Math.floor(n / 2);
    if (n > 0) base = ddMul(base, base);
  }
  return result[0] + result[1];
}

// ------------------------------------------------------------------ gradient descent
function update_parameters_with_gd(parameters, grads, learning_rate) {
  const func = 'update_parameters_with_gd';
  const L = numberOfLayers(parameters, func);
  matchingDict(grads, 'grads', parameters, L, func);
  nonNegative(learning_rate, 'learning_rate', func);
  for (let l = 1; l <= L; l++) {
    for (const name of ['W', 'b']) {
      const p = parameters[name + l];
      const g = grads[`d${name}${l}`];
      const kg = kind(g);
      const kp = promote(kind(p), kg);
      const lr = R[kg](learning_rate);
      const out = NDArray.zeros(p.shape, kp);
      for (let i = 0; i < out.size; i++) {
        out.data[i] = R[kp](p.data[i] - R[kg](lr * g.data[i]));       // p - learning_rate * g
      }
      parameters[name + l] = out;
    }
  }
  return parameters;
}

// ------------------------------------------------------------------ mini-batches
// numpy's legacy RandomState: MT19937 seeded by init_genrand (RandomState.seed(int)), and
// permutation(m) = shuffle(arange(m)): Fisher-Yates from the end, j drawn by random_interval.
class MT19937 {
  constructor(seed) {
    this.mt = new Uint32Array(624);
    this.mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = this.mt[i - 1] ^ (this.mt[i - 1] >>> 30);
      this.mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.index = 624;
  }

  nextUint32() {
    const mt = this.mt;
    if (this.index >= 624) {
      for (let k = 0; k < 624; k++) {
        const y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7fffffff);
        mt[k] = mt[(k + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.index = 0;
    }
    let y = mt[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  // numpy's random_interval(max): a uniform integer in [0, max] by masked rejection (32-bit draws).
  interval(max) {
    if (max === 0) return 0;
    if (max > 0xffffffff) throw error('ValueError', 'random_mini_batches', 'more than 2^32 columns');
    let mask = max;
    mask |= mask >>> 1; mask |= mask >>> 2; mask |= mask >>> 4; mask |= mask >>> 8; mask |= mask >>> 16;
    mask >>>= 0;
    let value;
    while ((value = (this.nextUint32() & mask) >>> 0) > max);
    return value;
  }

  permutation(m) {
    const out = new Array(m);
    for (let i = 0; i < m; i++) out[i] = i;
    for (let i = m - 1; i >= 1; i--) {
      const j = this.interval(i);
      const t = out[i]; out[i] = out[j]; out[j] = t;
    }
    return out;
  }
}

// The columns `columns` of a 2-D array, as a new (rows, columns.length) array.
function takeColumns(a, columns) {
  const [rows, m] = a.shape;
  const out = NDArray.zeros([rows, columns.length], a.dtype);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < columns.length; k++) out.data[r * columns.length + k] = a.data[r * m + columns[k]];
  }
  return out;
}

function random_mini_batches(X, Y, mini_batch_size = 64, seed = 0) {
  const func = 'random_mini_batches';
  for (const [name, a] of [['X', X], ['Y', Y]]) {
    if (!(a instanceof NDArray)) throw error('TypeError', func, `argument '${name}' must be an array`);
  }
  if (X.shape.length !== 2) throw error('ValueError', func, `argument 'X' must have shape (n_x, m), got [${X.shape}]`);
  if (Y.shape.length !== 2 || Y.shape[0] !== 1) {
    throw error('ValueError', func, `argument 'Y' must have shape (1, m), got [${Y.shape}]`);
  }
  if (X.shape[1] !== Y.shape[1]) throw error('ValueError', func, 'X and Y must have the same number of columns');
  integer(mini_batch_size, 'mini_batch_size', func, 1, ' (a positive number of columns)');
  integer(seed, 'seed', func, 0);
  if (seed > 0xffffffff) throw error('ValueError', func, `argument 'seed' must be < 2^32, got ${seed}`);
  const m = X.shape[1];
  const permutation = new MT19937(seed).permutation(m);     // np.random.seed(seed); np.random.permutation(m)
  const batches = [];
  const complete = Math.floor(m / mini_batch_size);
  const cut = (from, to) => {
    const columns = permutation.slice(from, to);
    batches.push(tuple(takeColumns(X, columns), takeColumns(Y, columns)));
  };
  for (let k = 0; k < complete; k++) cut(k * mini_batch_size, (k + 1) * mini_batch_size);
  if (m % mini_batch_size !== 0) cut(complete * mini_batch_size, m);
  return batches;
}

// ------------------------------------------------------------------ momentum
function zerosLike(parameters, L) {
  const out = {};
  for (let l = 1; l <= L; l++) {
    for (const name of ['W', 'b']) out[`d${name}${l}`] = NDArray.zeros(parameters[name + l].shape);   // float64
  }
  return out;
}

function initialize_velocity(parameters) {
  return zerosLike(parameters, numberOfLayers(parameters, 'initialize_velocity'));
}

function update_parameters_with_momentum(parameters, grads, v, beta_, learning_rate) {
  const func = 'update_parameters_with_momentum';
  const L = numberOfLayers(parameters, func);
  matchingDict(grads, 'grads', parameters, L, func);
  matchingDict(v, 'v', parameters, L, func);
  beta(beta_, 'beta', func);
  nonNegative(learning_rate, 'learning_rate', func);
  for (let l = 1; l <= L; l++) {
    for (const name of ['W', 'b']) {
      const key = name + l;
      const dkey = `d${key}`;
      const p = parameters[key];
      const g = grads[dkey];
      const v0 = v[dkey];
      const kv = kind(v0); const kg = kind(g);
      const kn = promote(kv, kg);                 // the new v
      const kp = promote(kind(p), kn);
      const b = R[kv](beta_); const omb = R[kg](1 - beta_); const lr = R[kn](learning_rate);
      const vNew = NDArray.zeros(p.shape, kn);
      const pNew = NDArray.zeros(p.shape, kp);
      for (let i = 0; i < p.size; i++) {
        // v = beta * v + (1 - beta) * g;  p = p - learning_rate * v
        const vi = R[kn](R[kv](b * v0.data[i]) + R[kg](omb * g.data[i]));
        vNew.data[i] = vi;
        pNew.data[i] = R[kp](p.data[i] - R[kn](lr * vi));
      }
      v[dkey] = vNew;
      parameters[key] = pNew;
    }
  }
  return tuple(parameters, v);
}

// ------------------------------------------------------------------ Adam
function initialize_adam(parameters) {
  const L = numberOfLayers(parameters, 'initialize_adam');
  return tuple(zerosLike(parameters, L), zerosLike(parameters, L));
}

function update_parameters_with_adam(parameters, grads, v, s, t, learning_rate = 0.01, beta1 = 0.9,
  beta2 = 0.999, epsilon = 1e-8) {
  const func = 'update_parameters_with_adam';
  const L = numberOfLayers(parameters, func);
  matchingDict(grads, 'grads', parameters, L, func);
  matchingDict(v, 'v', parameters, L, func);
  matchingDict(s, 's', parameters, L, func);
  integer(t, 't', func, 1, " (Adam's step counter starts at 1)");
  nonNegative(learning_rate, 'learning_rate', func);
  beta(beta1, 'beta1', func);
  beta(beta2, 'beta2', func);
  nonNegative(epsilon, 'epsilon', func);
  const correction1 = 1 - powInt(beta1, t);               // Python floats: 1 - beta1 ** t
  const correction2 = 1 - powInt(beta2, t);
  for (let l = 1; l <= L; l++) {
    for (const name of ['W', 'b']) {
      const key = name + l;
      const dkey = `d${key}`;
      const p = parameters[key]; const g = grads[dkey]; const v0 = v[dkey]; const s0 = s[dkey];
      const kg = kind(g); const kv0 = kind(v0); const ks0 = kind(s0);
      const kv = promote(kv0, kg); const ks = promote(ks0, kg);
      const kq = promote(kv, ks); const kp = promote(kind(p), kq);
      const b1 = R[kv0](beta1); const omb1 = R[kg](1 - beta1);
      const b2 = R[ks0](beta2); const omb2 = R[kg](1 - beta2);
      const c1 = R[kv](correction1); const c2 = R[ks](correction2);
      const lr = R[kv](learning_rate); const eps = R[ks](epsilon);
      const vNew = NDArray.zeros(p.shape, kv);
      const sNew = NDArray.zeros(p.shape, ks);
      const pNew = NDArray.zeros(p.shape, kp);
      for (let i = 0; i < p.size; i++) {
        const gi = g.data[i];
        const vi = R[kv](R[kv0](b1 * v0.data[i]) + R[kg](omb1 * gi));              // beta1 v + (1 - beta1) g
        const si = R[ks](R[ks0](b2 * s0.data[i]) + R[kg](omb2 * R[kg](gi * gi)));   // beta2 s + (1 - beta2) g^2
        const vCorrected = R[kv](vi / c1);
        const sCorrected = R[ks](si / c2);
        const denominator = R[ks](R[ks](Math.sqrt(sCorrected)) + eps);             // sqrt(s_corrected) + epsilon
        const step = R[kq](R[kv](lr * vCorrected) / denominator);                  // learning_rate * v_c / den
        vNew.data[i] = vi;
        sNew.data[i] = si;
        pNew.data[i] = R[kp](p.data[i] - step);
      }
      v[dkey] = vNew;
      s[dkey] = sNew;
      parameters[key] = pNew;
    }
  }
  return tuple(parameters, v, s);
}

// ------------------------------------------------------------------ the handshake's declarations
// JavaScript functions carry no parameter names or defaults the harness could read, so each
// function declares them (PROTOCOL.md, "hello"): the course's names, order and defaults.
const p = (name, ...rest) => (rest.length ? { name, kind: 'positional_or_keyword', default: rest[0] }
  : { name, kind: 'positional_or_keyword' });

const PARAMETERS = {
  update_parameters_with_gd: [p('parameters'), p('grads'), p('learning_rate')],
  random_mini_batches: [p('X'), p('Y'), p('mini_batch_size', 64), p('seed', 0)],
  initialize_velocity: [p('parameters')],
  update_parameters_with_momentum: [p('parameters'), p('grads'), p('v'), p('beta'), p('learning_rate')],
  initialize_adam: [p('parameters')],
  update_parameters_with_adam: [p('parameters'), p('grads'), p('v'), p('s'), p('t'), p('learning_rate', 0.01),
    p('beta1', 0.9), p('beta2', 0.999), p('epsilon', 1e-8)],
};

module.exports = {
  update_parameters_with_gd, random_mini_batches, initialize_velocity, update_parameters_with_momentum,
  initialize_adam, update_parameters_with_adam, PARAMETERS, MT19937, powInt,
};
