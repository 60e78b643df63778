/** Size limits, mirrored in native/binding/limits.h. */
export const LIMITS = {
  features: 1 << 20,
  hidden: 1 << 14,
  layers: 64,
  batch: 1 << 24,
  steps: 1 << 24,
  streams: 1 << 20,
} as const;
