/**
 * Binary stream-state format. One record holds one stream, keyed by its stream key and checked
 * by its own CRC-32, so records can be written one by one (a checkpoint writes only the streams
 * that changed) and moved between pools one by one (a later step can partition streams by key
 * across machines: a record needs nothing but a pool over the same model). A pool snapshot is
 * a header naming the model (its fingerprint), the records, and a CRC-32 over the whole blob.
 *
 * Record version 2 (little-endian):
 *   0  'RSR1' magic          4  u16 version (2)
 *   6  u16 flags (2 last point flagged, 4 has lastTime, 8 has eventStart, 16 has forecast variances)
 *   8  u32 window            12 u16 columns         14 u16 features
 *   16 f64 points seen       24 f64 EWMA numerator  32 f64 EWMA denominator  40 f64 last push (epoch ms)
 *   48 f32 last score        52 u32 event points    56 f32 event peak score
 *   60 u16 key bytes         62 u16 lastTime bytes  64 u16 eventStart bytes   66 u16 forecast slots S
 *   68 u32 threshold-state bytes (0: the model's shared threshold)
 *   72 u16 slot of the next point   74 u16 0
 *   76 f32 ring [window][columns] (slot = point index % window), f32 last values [columns],
 *      f32 forecast sums [S][features], f32 forecast variance sums [S][features] (flag 16 only),
 *      u16 windows summed per forecast slot [S], then the key, lastTime, eventStart (UTF-8) and
 *      the threshold state (JSON, UTF-8), then u32 CRC-32 of every byte before it.
 *   S is 0 in reconstruct mode, `horizon` with horizonScore 'mean', else 1 (see pending-forecasts.ts).
 * Record version 1 (still read): the same up to 68, no bytes 72-75, flag 1 = a forecast is
 *   pending, and in place of the forecast slots one f32 forecast [features] (a point head's
 *   one-step forecast; ignored in reconstruct mode).
 * Snapshot: 'RNADPOOL', u32 version, u32 model fingerprint, u32 records, per record u32 length +
 *   bytes, then u32 CRC-32 of every byte before it. Version 2 holds `modelFingerprint`; version 1
 *   (still read) held `legacyModelFingerprint`, which depends on the order of the model's
 *   settings in memory, so the same model fitted and then loaded from its file did not match.
 */
import zlib from 'node:zlib';
import { crc32 as crc32Js } from '../core/crc32.js';
import { InvalidDataError } from '../core/errors.js';
import type { FittedModel } from '../model/fitted-model.js';
import type { ForecastState } from './pending-forecasts.js';

export interface StreamShape {
  window: number;
  columns: number;
  features: number;
  /** Pending-forecast slots per stream (0 in reconstruct mode). */
  forecastSlots: number;
  /** Whether the forecasts carry variances (a Gaussian head). */
  forecastVariances: boolean;
}

export interface StreamRecord {
  key: string;
  seen: number;
  lastFlag: boolean;
  ewmaNumerator: number;
  ewmaDenominator: number;
  touched: number;
  lastScore: number;
  eventPoints: number;
  eventPeak: number;
  lastTime: string | null;
  eventStart: string | null;
  ring: Float32Array;
  lastValues: Float32Array;
  /** Forecasts made for the coming points; with no slots in reconstruct mode. */
  forecasts: ForecastState;
  /** JSON state of the stream's own threshold (spot, dynamic); null when the model's is shared. */
  threshold: string | null;
}

const RECORD_MAGIC = 0x31525352; // 'RSR1'
const RECORD_VERSION = 2;
const HEADER_V1 = 72;
const HEADER = 76;
const SNAPSHOT_MAGIC = Uint8Array.from([0x52, 0x4e, 0x41, 0x44, 0x50, 0x4f, 0x4f, 0x4c]); // 'RNADPOOL'
const SNAPSHOT_VERSION = 2;
const MAX_TEXT = 0xffff;

// zlib's native CRC-32 (Node >= 20.15) is the same function as ours, many times faster; a
// checkpoint encodes every changed stream.
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
const crc32 = nativeCrc32 ? (bytes: Uint8Array, previous = 0): number => nativeCrc32(bytes, previous) : crc32Js;

/** Float arrays are copied as bytes where the platform is little-endian (the format's order). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeStreamRecord(shape: StreamShape, r: StreamRecord): Uint8Array {
  const { window: T, columns: c, features: f, forecastSlots: slots } = shape;
  const key = text(r.key, 'key');
  const lastTime = text(r.lastTime ?? '', 'lastTime');
  const eventStart = text(r.eventStart ?? '', 'eventStart');
  const threshold = r.threshold === null ? new Uint8Array(0) : encoder.encode(r.threshold);
  const { forecasts } = r;
  const floats = T * c + c + (shape.forecastVariances ? 2 : 1) * slots * f;
  const length =
    HEADER + 4 * floats + 2 * slots + key.length + lastTime.length + eventStart.length + threshold.length + 4;
  const bytes = new Uint8Array(length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, RECORD_MAGIC, true);
  view.setUint16(4, RECORD_VERSION, true);
  view.setUint16(
    6,
    (r.lastFlag ? 2 : 0) |
      (r.lastTime === null ? 0 : 4) |
      (r.eventStart === null ? 0 : 8) |
      (shape.forecastVariances ? 16 : 0),
    true,
  );
  view.setUint32(8, T, true);
  view.setUint16(12, c, true);
  view.setUint16(14, f, true);
  view.setFloat64(16, r.seen, true);
  view.setFloat64(24, r.ewmaNumerator, true);
  view.setFloat64(32, r.ewmaDenominator, true);
  view.setFloat64(40, r.touched, true);
  view.setFloat32(48, r.lastScore, true);
  view.setUint32(52, r.eventPoints, true);
  view.setFloat32(56, r.eventPeak, true);
  view.setUint16(60, key.length, true);
  view.setUint16(62, lastTime.length, true);
  view.setUint16(64, eventStart.length, true);
  view.setUint16(66, slots, true);
  view.setUint32(68, threshold.length, true);
  view.setUint16(72, forecasts.next, true);
  let at = HEADER;
  const arrays = [r.ring, r.lastValues, forecasts.means, ...(forecasts.variances ? [forecasts.variances] : [])];
  for (const values of arrays) {
    if (LITTLE_ENDIAN) bytes.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), at);
    else for (let i = 0; i < values.length; i++) view.setFloat32(at + 4 * i, values[i]!, true);
    at += values.byteLength;
  }
  for (let i = 0; i < slots; i++) view.setUint16(at + 2 * i, forecasts.counts[i]!, true);
  at += 2 * slots;
  for (const part of [key, lastTime, eventStart, threshold]) {
    bytes.set(part, at);
    at += part.length;
  }
  view.setUint32(at, crc32(bytes.subarray(0, at)), true);
  return bytes;
}

/**
 * Decodes and checks one record (version 2, or version 1 from before the forecast slots) against
 * the pool's shape; InvalidDataError naming `name` when it does not fit.
 */
export function decodeStreamRecord(bytes: Uint8Array, name: string, shape: StreamShape): StreamRecord {
  const fail = (what: string): never => {
    throw new InvalidDataError(`${name} is not a valid stream record: ${what}`);
  };
  if (!(bytes instanceof Uint8Array)) fail('expected bytes (a Uint8Array)');
  if (bytes.length < HEADER_V1 + 4) fail(`${bytes.length} bytes is shorter than a record header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== RECORD_MAGIC) fail('wrong magic');
  const version = view.getUint16(4, true);
  if (version !== RECORD_VERSION && version !== 1)
    fail(`version ${version}, this library reads 1 and ${RECORD_VERSION}`);
  const v1 = version === 1;
  const header = v1 ? HEADER_V1 : HEADER;
  if (bytes.length < header + 4) fail(`${bytes.length} bytes is shorter than a record header`);
  const stored = view.getUint32(bytes.length - 4, true);
  if (crc32(bytes.subarray(0, bytes.length - 4)) !== stored) fail('checksum mismatch (truncated or corrupted)');
  const T = view.getUint32(8, true),
    c = view.getUint16(12, true),
    f = view.getUint16(14, true);
  if (T !== shape.window || c !== shape.columns || f !== shape.features) {
    fail(
      `it holds window ${T}, ${c} columns and ${f} features; this model has window ${shape.window}, ${shape.columns} columns and ${shape.features} features`,
    );
  }
  const flags = view.getUint16(6, true);
  const keyLength = view.getUint16(60, true),
    timeLength = view.getUint16(62, true),
    startLength = view.getUint16(64, true);
  const thresholdLength = view.getUint32(68, true);
  // A version-1 record always holds one forecast of `features` floats (used in forecast mode only).
  const slots = v1 ? 1 : view.getUint16(66, true);
  const withVariances = !v1 && (flags & 16) !== 0;
  if (!v1 && (slots !== shape.forecastSlots || withVariances !== shape.forecastVariances)) {
    fail(
      `it holds ${slots} forecast slots ${withVariances ? 'with' : 'without'} variances; this model needs ${shape.forecastSlots} ${shape.forecastVariances ? 'with' : 'without'} variances`,
    );
  }
  if (v1 && shape.forecastSlots !== 0 && (shape.forecastSlots !== 1 || shape.forecastVariances)) {
    fail(
      `a version-1 record holds a point head's one-step forecast; this model needs ${shape.forecastSlots} forecast slots ${shape.forecastVariances ? 'with' : 'without'} variances`,
    );
  }
  const floats = T * c + c + (withVariances ? 2 : 1) * slots * f;
  const counts = v1 ? 0 : 2 * slots;
  if (header + 4 * floats + counts + keyLength + timeLength + startLength + thresholdLength + 4 !== bytes.length)
    fail('lengths do not add up');
  let at = header;
  const floatsOf = (n: number): Float32Array => {
    const out = new Float32Array(n);
    if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(bytes.subarray(at, at + 4 * n));
    else for (let i = 0; i < n; i++) out[i] = view.getFloat32(at + 4 * i, true);
    at += 4 * n;
    return out;
  };
  const ring = floatsOf(T * c);
  const lastValues = floatsOf(c);
  const means = floatsOf(slots * f);
  const variances = withVariances ? floatsOf(slots * f) : null;
  let forecasts: ForecastState;
  if (v1) {
    forecasts =
      shape.forecastSlots === 0
        ? { next: 0, counts: new Uint16Array(0), means: new Float32Array(0), variances: null }
        : { next: 0, counts: Uint16Array.of(flags & 1 ? 1 : 0), means, variances: null };
  } else {
    const next = view.getUint16(72, true);
    if (slots > 0 ? next >= slots : next !== 0) fail(`next forecast slot ${next} is not below ${slots}`);
    const windows = new Uint16Array(slots);
    for (let i = 0; i < slots; i++) {
      windows[i] = view.getUint16(at + 2 * i, true);
      // Slot j ahead of the next point sums at most slots - j windows.
      if (windows[i]! > slots) fail(`forecast slot ${i} sums ${windows[i]} windows, more than ${slots}`);
    }
    at += 2 * slots;
    forecasts = { next, counts: windows, means, variances };
  }
  const textOf = (n: number): string => {
    const s = decoder.decode(bytes.subarray(at, at + n));
    at += n;
    return s;
  };
  const key = textOf(keyLength);
  const lastTime = textOf(timeLength);
  const eventStart = textOf(startLength);
  const threshold = thresholdLength > 0 ? textOf(thresholdLength) : null;
  if (key.length === 0) fail('empty key');
  const seen = view.getFloat64(16, true);
  if (!Number.isInteger(seen) || seen < 0) fail(`points seen ${seen} is not a count`);
  return {
    key,
    seen,
    lastFlag: (flags & 2) !== 0,
    ewmaNumerator: view.getFloat64(24, true),
    ewmaDenominator: view.getFloat64(32, true),
    touched: view.getFloat64(40, true),
    lastScore: view.getFloat32(48, true),
    eventPoints: view.getUint32(52, true),
    eventPeak: view.getFloat32(56, true),
    lastTime: flags & 4 ? lastTime : null,
    eventStart: flags & 8 ? eventStart : null,
    ring,
    lastValues,
    forecasts,
    threshold,
  };
}

export function encodePoolSnapshot(fingerprint: number, records: readonly Uint8Array[]): Uint8Array {
  let length = SNAPSHOT_MAGIC.length + 12 + 4;
  for (const r of records) length += 4 + r.length;
  const bytes = new Uint8Array(length);
  const view = new DataView(bytes.buffer);
  bytes.set(SNAPSHOT_MAGIC, 0);
  let at = SNAPSHOT_MAGIC.length;
  view.setUint32(at, SNAPSHOT_VERSION, true);
  view.setUint32(at + 4, fingerprint, true);
  view.setUint32(at + 8, records.length, true);
  at += 12;
  for (const r of records) {
    view.setUint32(at, r.length, true);
    bytes.set(r, at + 4);
    at += 4 + r.length;
  }
  view.setUint32(at, crc32(bytes.subarray(0, at)), true);
  return bytes;
}

export function decodePoolSnapshot(bytes: Uint8Array): { version: number; fingerprint: number; records: Uint8Array[] } {
  const fail = (what: string): never => {
    throw new InvalidDataError(`the snapshot is not a valid stream-pool snapshot: ${what}`);
  };
  if (!(bytes instanceof Uint8Array)) fail('expected bytes (a Uint8Array)');
  const head = SNAPSHOT_MAGIC.length + 12;
  if (bytes.length < head + 4) fail(`${bytes.length} bytes is shorter than its header`);
  if (!SNAPSHOT_MAGIC.every((b, i) => bytes[i] === b)) fail('wrong magic');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (crc32(bytes.subarray(0, bytes.length - 4)) !== view.getUint32(bytes.length - 4, true))
    fail('checksum mismatch (truncated or corrupted)');
  const version = view.getUint32(SNAPSHOT_MAGIC.length, true);
  if (version !== SNAPSHOT_VERSION && version !== 1)
    fail(`version ${version}, this library reads 1 and ${SNAPSHOT_VERSION}`);
  const fingerprint = view.getUint32(SNAPSHOT_MAGIC.length + 4, true);
  const count = view.getUint32(SNAPSHOT_MAGIC.length + 8, true);
  const records: Uint8Array[] = [];
  let at = head;
  for (let i = 0; i < count; i++) {
    if (at + 4 > bytes.length - 4) fail(`record ${i} starts past the end`);
    const length = view.getUint32(at, true);
    if (at + 4 + length > bytes.length - 4) fail(`record ${i} runs past the end`);
    records.push(bytes.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  if (at !== bytes.length - 4) fail('bytes left over after the last record');
  return { version, fingerprint, records };
}

/**
 * CRC-32 over the model's settings, columns, scaler, weights and threshold: states fit only the
 * model they came from. The settings are serialised with sorted keys, so the same model gives
 * the same fingerprint however its objects were built (fitted, or read back from its file).
 */
export function modelFingerprint(model: FittedModel): number {
  return fingerprintWith(model, canonicalJson);
}

/** The fingerprint of version-1 snapshots: the settings in their in-memory key order. */
export function legacyModelFingerprint(model: FittedModel): number {
  return fingerprintWith(model, JSON.stringify);
}

function fingerprintWith(model: FittedModel, serialise: (value: unknown) => string): number {
  const settings = encoder.encode(
    serialise({
      config: configStatesDependOn(model.config),
      columns: model.columnNames,
      features: Array.from(model.features),
      threshold: model.threshold.toJSON(),
    }),
  );
  let c = crc32(settings);
  c = crc32(
    new Uint8Array(model.scaler.center.buffer, model.scaler.center.byteOffset, model.scaler.center.byteLength),
    c,
  );
  c = crc32(new Uint8Array(model.scaler.scale.buffer, model.scaler.scale.byteOffset, model.scaler.scale.byteLength), c);
  const weights = model.network.getFlatParameters();
  return crc32(new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength), c);
}

/**
 * The model's config without the keys that only chose how the threshold was fitted: the
 * threshold itself is part of the fingerprint, and states written before those keys existed
 * must still fit the same model read from its old file.
 */
function configStatesDependOn(
  config: FittedModel['config'],
): Omit<FittedModel['config'], 'calibration' | 'contamination'> {
  const { calibration: _calibration, contamination: _contamination, ...rest } = config;
  return rest;
}

/** JSON with every object's keys in sorted order (arrays keep theirs). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

function text(value: string, name: string): Uint8Array {
  const bytes = encoder.encode(value);
  if (bytes.length > MAX_TEXT)
    throw new InvalidDataError(`stream ${name} is ${bytes.length} bytes of UTF-8; at most ${MAX_TEXT} fit a record`);
  return bytes;
}
