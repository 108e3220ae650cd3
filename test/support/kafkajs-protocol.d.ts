/**
 * Minimal types for the kafkajs internals the Kafka test broker reuses (kafkajs ships no types for
 * its protocol modules). Only what kafka-test-broker.ts calls is declared.
 */
declare module 'kafkajs/src/protocol/encoder' {
  class Encoder {
    writeInt8(value: number): this;
    writeInt16(value: number): this;
    writeInt32(value: number): this;
    writeInt64(value: number | string): this;
    writeBoolean(value: boolean): this;
    writeString(value: string | null): this;
    writeBytes(value: Buffer | null): this;
    writeArray(array: (Encoder | number | string)[], type?: 'int32' | 'string' | 'object'): this;
    writeEncoder(value: Encoder): this;
    readonly buffer: Buffer;
  }
  export = Encoder;
}

declare module 'kafkajs/src/protocol/decoder' {
  class Decoder {
    constructor(buffer: Buffer);
    readInt8(): number;
    readInt16(): number;
    readInt32(): number;
    readInt64(): bigint;
    readString(): string | null;
    readArray<T>(reader: (decoder: Decoder) => T): T[];
    readBytes(length?: number): Buffer;
    canReadInt32(): boolean;
    slice(size: number): Decoder;
    forward(size: number): void;
  }
  export = Decoder;
}

declare module 'kafkajs/src/protocol/recordBatch/v0/decoder' {
  import type Decoder from 'kafkajs/src/protocol/decoder';
  interface DecodedRecord {
    key: Buffer | null;
    value: Buffer | null;
    headers: Record<string, Buffer | Buffer[]>;
    timestamp: string;
    offset: string;
  }
  function decodeRecordBatch(decoder: Decoder): Promise<{
    producerId: string;
    firstSequence: number;
    records: DecodedRecord[];
  }>;
  export = decodeRecordBatch;
}

declare module 'kafkajs/src/protocol/requests/apiKeys' {
  const apiKeys: Record<string, number>;
  export = apiKeys;
}
