import { MlcError } from '@mlc/errors';

/** Confluent wire format: magic byte 0, schema id as a big-endian int32, then the serialized value. */
export const MAGIC_BYTE = 0;
const HEADER_LENGTH = 5;

export function encodeWire(schemaId: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_LENGTH);
  header.writeUInt8(MAGIC_BYTE, 0);
  header.writeInt32BE(schemaId, 1);
  return Buffer.concat([header, payload]);
}

export interface WireMessage {
  schemaId: number;
  payload: Buffer;
}

/** Splits a wire-format value; MLC_DECODE_FAILED when it is null, too short or has another magic byte. */
export function decodeWire(value: Buffer | null, context: Record<string, unknown> = {}): WireMessage {
  if (value === null) {
    throw new MlcError('MLC_DECODE_FAILED', 'message has no value (tombstone)', { context });
  }
  if (value.length < HEADER_LENGTH) {
    throw new MlcError('MLC_DECODE_FAILED', `message is ${value.length} bytes, shorter than the ${HEADER_LENGTH}-byte wire header`, {
      context: { ...context, length: value.length },
    });
  }
  const magic = value.readUInt8(0);
  if (magic !== MAGIC_BYTE) {
    throw new MlcError('MLC_DECODE_FAILED', `message starts with byte ${magic}, not the wire-format magic byte ${MAGIC_BYTE}`, {
      context: { ...context, magicByte: magic },
    });
  }
  return { schemaId: value.readInt32BE(1), payload: value.subarray(HEADER_LENGTH) };
}
