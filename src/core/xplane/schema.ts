import type { INamespace } from 'protobufjs';

/**
 * The XPlane profile format (package `tensorflow.profiler`), written out for gdnctl from the public description of
 * the format; it is what JAX's profiler writes as `<host>.xplane.pb` (one serialized XSpace). Only the messages the
 * hotspot table reads are here, with every field they carry, so a file decodes completely:
 *
 *   XSpace          planes 1, errors 2, warnings 3, hostnames 4
 *   XPlane          id 1, name 2, lines 3, event_metadata 4 (map<int64, XEventMetadata>),
 *                   stat_metadata 5 (map<int64, XStatMetadata>), stats 6
 *   XLine           id 1, name 2, timestamp_ns 3, events 4, duration_ps 9, display_id 10, display_name 11
 *                   (5..8 reserved)
 *   XEvent          metadata_id 1, offset_ps 2 | num_occurrences 5 (oneof), duration_ps 3, stats 4
 *   XStat           metadata_id 1, then one of double 2, uint64 3, int64 4, str 5, bytes 6,
 *                   ref 7 (the id of an XStatMetadata whose name is the value)
 *   XEventMetadata  id 1, name 2, metadata 3, display_name 4, stats 5, child_id 6
 *   XStatMetadata   id 1, name 2, description 3
 *
 * Metadata ids are per plane. A map field is a repeated entry message {key = 1, value = 2} on the wire.
 * The descriptor is protobufjs's JSON form: tests encode files with it, and the streaming walker takes its field
 * numbers from it (FIELD below), so schema and walker cannot disagree; the hand-encoded golden fixture pins the
 * numbers themselves.
 */
export const XPLANE_DESCRIPTOR = {
  nested: {
    tensorflow: {
      nested: {
        profiler: {
          nested: {
            XSpace: {
              fields: {
                planes: { rule: 'repeated', type: 'XPlane', id: 1 },
                errors: { rule: 'repeated', type: 'string', id: 2 },
                warnings: { rule: 'repeated', type: 'string', id: 3 },
                hostnames: { rule: 'repeated', type: 'string', id: 4 },
              },
            },
            XPlane: {
              fields: {
                id: { type: 'int64', id: 1 },
                name: { type: 'string', id: 2 },
                lines: { rule: 'repeated', type: 'XLine', id: 3 },
                event_metadata: { keyType: 'int64', type: 'XEventMetadata', id: 4 },
                stat_metadata: { keyType: 'int64', type: 'XStatMetadata', id: 5 },
                stats: { rule: 'repeated', type: 'XStat', id: 6 },
              },
            },
            XLine: {
              fields: {
                id: { type: 'int64', id: 1 },
                name: { type: 'string', id: 2 },
                timestamp_ns: { type: 'int64', id: 3 },
                events: { rule: 'repeated', type: 'XEvent', id: 4 },
                duration_ps: { type: 'int64', id: 9 },
                display_id: { type: 'int64', id: 10 },
                display_name: { type: 'string', id: 11 },
              },
              reserved: [[5, 8]],
            },
            XEvent: {
              oneofs: { data: { oneof: ['offset_ps', 'num_occurrences'] } },
              fields: {
                metadata_id: { type: 'int64', id: 1 },
                offset_ps: { type: 'int64', id: 2 },
                num_occurrences: { type: 'int64', id: 5 },
                duration_ps: { type: 'int64', id: 3 },
                stats: { rule: 'repeated', type: 'XStat', id: 4 },
              },
            },
            XStat: {
              oneofs: { value: { oneof: ['double_value', 'uint64_value', 'int64_value', 'str_value', 'bytes_value', 'ref_value'] } },
              fields: {
                metadata_id: { type: 'int64', id: 1 },
                double_value: { type: 'double', id: 2 },
                uint64_value: { type: 'uint64', id: 3 },
                int64_value: { type: 'int64', id: 4 },
                str_value: { type: 'string', id: 5 },
                bytes_value: { type: 'bytes', id: 6 },
                ref_value: { type: 'uint64', id: 7 },
              },
            },
            XEventMetadata: {
              fields: {
                id: { type: 'int64', id: 1 },
                name: { type: 'string', id: 2 },
                metadata: { type: 'bytes', id: 3 },
                display_name: { type: 'string', id: 4 },
                stats: { rule: 'repeated', type: 'XStat', id: 5 },
                child_id: { rule: 'repeated', type: 'int64', id: 6 },
              },
            },
            XStatMetadata: {
              fields: {
                id: { type: 'int64', id: 1 },
                name: { type: 'string', id: 2 },
                description: { type: 'string', id: 3 },
              },
            },
          },
        },
      },
    },
  },
};

type Messages = (typeof XPLANE_DESCRIPTOR)['nested']['tensorflow']['nested']['profiler']['nested'];
type FieldNumbers = { [M in keyof Messages]: { [F in keyof Messages[M]['fields']]: number } };

const messages: Messages = XPLANE_DESCRIPTOR.nested.tensorflow.nested.profiler.nested;

/** The descriptor as protobufjs's Root.fromJSON takes it (map fields carry keyType, which IField lacks). */
export const xplaneNamespace = (): INamespace => XPLANE_DESCRIPTOR as unknown as INamespace;

/** Field numbers by message and field name, read from the descriptor. */
export const FIELD = Object.fromEntries(
  Object.entries(messages).map(([m, t]) => [m, Object.fromEntries(Object.entries(t.fields).map(([f, d]) => [f, d.id]))]),
) as FieldNumbers;

/** Fully qualified name of a message in the descriptor, for protobufjs's Root.lookupType. */
export const xplaneType = (m: keyof Messages): string => `tensorflow.profiler.${m}`;

/** Protobuf wire types. Groups (3, 4) are not used by this format and are rejected as corrupt input. */
export const WIRE = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 } as const;
