import type { FieldError } from '../../../../api/validation/field-error.js';

/** Thrown by a plugin factory when its args are invalid; carries upstream-style field errors. */
export class PluginArgsError extends Error {
  constructor(
    readonly plugin: string,
    readonly errors: FieldError[],
    text: string,
  ) {
    super(text);
    this.name = 'PluginArgsError';
  }
}

/** Reads a plain object's property as a given type, falling back to a default. */
export function asObject(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
