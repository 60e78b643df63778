/** Small real model files and crafted variants of them, for the model-file tests and fuzzer. */
import { Detector } from '../../src/detector/detector.js';
import { decodeModelFile, encodeModelFile, type ModelFileContents } from '../../src/persistence/model-file.js';

/** Payload fields the crafting edits reach into. */
export interface CraftablePayload {
  options: Record<string, unknown>;
  config: Record<string, unknown>;
  network: Record<string, unknown>;
  [key: string]: unknown;
}

function series(rows: number): number[][] {
  return Array.from({ length: rows }, (_, i) => [Math.sin(i / 3), Math.cos(i / 7) + 0.1 * Math.sin(i * 1.7)]);
}

/** The bytes of a fitted two-column detector small enough to mutate thousands of times (about 2 KB). */
export async function tinyModelFile(options: Record<string, unknown> = {}): Promise<Uint8Array> {
  const detector = new Detector({ hidden: 2, window: 4, epochs: 1, windowsPerEpoch: 32, seed: 1, ...options });
  await detector.fit(series(120));
  return detector.toBuffer();
}

/** `bytes` decoded, edited and encoded again: a file with a valid CRC saying whatever `edit` made it say. */
export function craftModelFile(
  bytes: Uint8Array,
  edit: (payload: CraftablePayload, tensors: ModelFileContents['tensors']) => void,
): Uint8Array {
  const contents = decodeModelFile(bytes);
  const payload = structuredClone(contents.payload) as CraftablePayload;
  const tensors = new Map(contents.tensors);
  edit(payload, tensors);
  return encodeModelFile({ payload, tensors });
}

/** A file declaring hidden x layers networks while carrying the original (tiny) tensors. */
export function craftOversizedNetwork(bytes: Uint8Array, hidden: number, layers: number): Uint8Array {
  return craftModelFile(bytes, (p) => {
    p.options.hidden = hidden;
    p.options.layers = layers;
    p.config.hidden = hidden;
    p.config.layers = layers;
    p.network.hiddenSize = hidden;
    p.network.layers = layers;
  });
}
