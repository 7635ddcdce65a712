// Byte limits on stored JSON, transcribed from unkeyed/unkey
// svc/api/internal/errors/errors.go (humanizeBytes at lines 15-28, MaxByteSize
// at lines 40-54).
import { invalidInput } from "./errors";

const UNITS = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];

/** Decimal units, one decimal place below 10 of a unit: 16000 → "16 kB", 1048576 → "1.0 MB". */
export function humanizeBytes(size: number): string {
  if (size < 10) return `${size} B`;
  const exponent = Math.floor(Math.log(size) / Math.log(1000));
  const value = Math.floor((size / 1000 ** exponent) * 10 + 0.5) / 10;
  return `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[exponent]}`;
}

/** Throws Unkey's 400 when `value`, as JSON in UTF-8, is longer than `limit` bytes. */
export function requireMaxJsonBytes(subject: string, value: unknown, limit: number): void {
  const size = Buffer.byteLength(JSON.stringify(value));
  if (size <= limit) return;
  throw invalidInput(
    `${subject} is too large: it must be at most ${humanizeBytes(limit)}, but is ${humanizeBytes(size)}.`,
  );
}
