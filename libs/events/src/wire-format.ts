import { MlcError } from '@mlc/errors';

/** Confluent wire format: magic byte 0, schema id as a big-endian int32, then the serialized value. */
export const MAGIC_BYTE = 0;
/** Bytes of the wire header before the payload. */
export const WIRE_HEADER_BYTES = 5;

/**
 * Header and payload in one allocation (a string payload is written as UTF-8 straight into it):
 * this runs for every event and outcome produced, and `Buffer.concat` of a header and a payload
 * made two extra buffers per record.
 */
export function encodeWire(schemaId: number, payload: Buffer | string): Buffer {
  const length = typeof payload === 'string' ? Buffer.byteLength(payload, 'utf8') : payload.length;
  const wire = Buffer.allocUnsafe(WIRE_HEADER_BYTES + length);
  wire.writeUInt8(MAGIC_BYTE, 0);
  wire.writeInt32BE(schemaId, 1);
  if (typeof payload === 'string') wire.write(payload, WIRE_HEADER_BYTES, 'utf8');
  else payload.copy(wire, WIRE_HEADER_BYTES);
  return wire;
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
  if (value.length < WIRE_HEADER_BYTES) {
    throw new MlcError('MLC_DECODE_FAILED', `message is ${value.length} bytes, shorter than the ${WIRE_HEADER_BYTES}-byte wire header`, {
      context: { ...context, length: value.length },
    });
  }
  const magic = value.readUInt8(0);
  if (magic !== MAGIC_BYTE) {
    throw new MlcError('MLC_DECODE_FAILED', `message starts with byte ${magic}, not the wire-format magic byte ${MAGIC_BYTE}`, {
      context: { ...context, magicByte: magic },
    });
  }
  return { schemaId: value.readInt32BE(1), payload: value.subarray(WIRE_HEADER_BYTES) };
}
