// Owns the generator's byte output: a reusable chunk buffer in front of a plain or gzip CSV file.
import type { DatasetFormat } from "./_options.ts";

/** One file written by `generateDataset`. */
export interface GeneratedFile {
  /** File name as written, e.g. `animelist.csv` or `animelist.csv.gz`. */
  name: string;
  path: string;
  /** Data rows, header excluded. */
  rows: number;
  /** Size on disk (compressed size when gzipped). */
  bytes: number;
}

const CHUNK_BYTES = 1 << 20;
/** Flush once fewer bytes than the longest animelist row could need remain. */
const HIGH_WATER = CHUNK_BYTES - 256;
export const COMMA = 44;
export const LF = 10;
const POWERS_OF_TEN = Array.from({ length: 16 }, (_, i) => 10 ** i);

interface ByteSink {
  write(chunk: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

async function openSink(path: string, gzip: boolean): Promise<ByteSink> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  if (!gzip) {
    return {
      write: async (chunk) => {
        for (let done = 0; done < chunk.length;) done += await file.write(chunk.subarray(done));
      },
      close: () => Promise.resolve(file.close()),
    };
  }
  const gz = new CompressionStream("gzip");
  const piped = gz.readable.pipeTo(file.writable);
  const writer = gz.writable.getWriter();
  return {
    // A copy, because the caller refills its buffer before the stream is done with it.
    write: (chunk) => writer.write(chunk.slice()),
    close: async () => {
      await writer.close();
      await piped;
    },
  };
}

export class ChunkWriter {
  private readonly buf = new Uint8Array(CHUNK_BYTES);
  private readonly encoder = new TextEncoder();
  private pos = 0;

  constructor(private readonly sink: ByteSink) {}

  get nearlyFull(): boolean {
    return this.pos > HIGH_WATER;
  }

  async flush(): Promise<void> {
    if (this.pos > 0) await this.sink.write(this.buf.subarray(0, this.pos));
    this.pos = 0;
  }

  async text(s: string): Promise<void> {
    const { read, written } = this.encoder.encodeInto(s, this.buf.subarray(this.pos));
    if (read === s.length) {
      this.pos += written;
      return;
    }
    await this.flush();
    const retry = this.encoder.encodeInto(s, this.buf);
    if (retry.read === s.length) this.pos = retry.written;
    else await this.sink.write(this.encoder.encode(s));
  }

  byte(b: number): void {
    this.buf[this.pos++] = b;
  }

  /** Decimal digits of a non-negative integer, without a string allocation. */
  uint(n: number): void {
    const buf = this.buf;
    let digits = 1;
    while (digits < POWERS_OF_TEN.length && n >= POWERS_OF_TEN[digits]!) digits++;
    const end = this.pos + digits;
    // Integer division is much cheaper than Math.floor while the value fits 32 bits.
    for (let p = end - 1; p >= this.pos; p--) {
      const q = n < 4294967296 ? (n / 10) >>> 0 : Math.floor(n / 10);
      buf[p] = 48 + n - q * 10;
      n = q;
    }
    this.pos = end;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.sink.close();
  }
}

/** Opens NAME.csv (or .csv.gz), lets `body` fill it, and reports the file. */
export async function writeCsvFile(
  outDir: string,
  name: string,
  gzip: boolean,
  body: (w: ChunkWriter) => Promise<number>,
): Promise<GeneratedFile> {
  const fileName = gzip ? `${name}.gz` : name;
  const path = `${outDir}/${fileName}`;
  const w = new ChunkWriter(await openSink(path, gzip));
  let rows: number;
  try {
    rows = await body(w);
  } finally {
    await w.close();
  }
  return { name: fileName, path, rows, bytes: (await Deno.stat(path)).size };
}

/** Minimal quoting (pandas/Python csv QUOTE_MINIMAL): only fields that need it. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The modified format's pandas index column: a leading empty header cell, then 0, 1, 2, ... */
export function indexPrefix(format: DatasetFormat, row: number | null): string {
  if (format === "kaggle") return "";
  return row === null ? "," : `${row},`;
}
