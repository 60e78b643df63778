/**
 * JavaScript-side peers by id, with the thread counts and GRU forms each is measured with.
 * A peer's module is imported only by the process that measures it, so one library's threads,
 * allocator or JIT state never sits beside another's timings.
 */
import type { GruForm, Peer } from './peer.js';

export const JS_PEER_IDS = ['ours', 'tfjs-cpu', 'tfjs-wasm', 'onnxruntime'] as const;
export type JsPeerId = (typeof JS_PEER_IDS)[number];

export interface PeerMatrix {
  threads: number[];
  gruForms: GruForm[];
}

export const JS_PEER_MATRIX: Record<JsPeerId, PeerMatrix> = {
  ours: { threads: [1, 2], gruForms: ['reset-after', 'reset-before'] },
  // Both tfjs backends run on one thread in Node (see peers/tfjs.ts); tfjs's GRU is reset-before only.
  'tfjs-cpu': { threads: [1], gruForms: ['reset-before'] },
  'tfjs-wasm': { threads: [1], gruForms: ['reset-before'] },
  onnxruntime: { threads: [1, 2], gruForms: ['reset-after'] },
};

export async function loadPeer(id: JsPeerId): Promise<Peer> {
  switch (id) {
    case 'ours':
      return (await import('./ours.js')).oursPeer();
    case 'tfjs-cpu':
      return (await import('./tfjs.js')).tfjsPeer('cpu');
    case 'tfjs-wasm':
      return (await import('./tfjs.js')).tfjsPeer('wasm');
    case 'onnxruntime':
      return (await import('./onnxruntime.js')).onnxRuntimePeer();
  }
}
