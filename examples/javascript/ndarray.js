'use strict';
// The values the harness (harness.js) and the course functions (optimizers.js) share:
// an n-dimensional array, and a marker for tuples (the protocol tells tuples from lists).

// dtype (PROTOCOL.md, "Arrays") -> the typed array that holds its values. int64 values are kept
// as doubles (exact up to 2^53); float16 values (exact in a double) as float64.
const STORAGE = {
  float64: Float64Array, float32: Float32Array, float16: Float64Array,
  int64: Float64Array, int32: Int32Array, int16: Int16Array, int8: Int8Array,
  uint8: Uint8Array, bool: Uint8Array,
};

class NDArray {
  constructor(dtype, shape, data) {
    if (!(dtype in STORAGE)) throw new TypeError(`unknown dtype '${dtype}'`);
    const size = shape.reduce((a, b) => a * b, 1);
    if (data === undefined) data = new STORAGE[dtype](size);
    if (data.length !== size) {
      throw new RangeError(`an array of shape [${shape}] holds ${size} values, got ${data.length}`);
    }
    this.dtype = dtype;
    this.shape = shape.slice();
    this.data = data;            // flat, row-major (C order)
  }

  static zeros(shape, dtype = 'float64') { return new NDArray(dtype, shape); }

  get size() { return this.data.length; }

  copy() { return new NDArray(this.dtype, this.shape, this.data.slice()); }
}

const TUPLE = Symbol('tuple');

// A JS array that crosses the protocol as {"tuple": [...]} (Python's tuple), not as a list.
function tuple(...items) {
  Object.defineProperty(items, TUPLE, { value: true });
  return items;
}

function isTuple(value) { return Array.isArray(value) && value[TUPLE] === true; }

module.exports = { NDArray, STORAGE, tuple, isTuple };
