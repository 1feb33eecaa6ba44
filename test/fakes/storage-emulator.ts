/**
 * A Cloud Storage JSON API emulator on loopback, enough for @google-cloud/storage's getFiles and download and
 * for a job's plain media upload: objects list (GET /storage/v1/b/<bucket>/o?prefix=), get (…/o/<name>),
 * media download (alt=media, also under /download/), and POST /upload/storage/v1/b/<bucket>/o?uploadType=media.
 * Objects carry md5Hash, crc32c and the x-goog-hash header, so the client's download validation runs for real.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export class StorageEmulator {
  /** "bucket/name" → bytes. */
  readonly objects = new Map<string, Buffer>();
  readonly requests: string[] = [];
  private constructor(private readonly server: Server, readonly endpoint: string) {}

  static async start(): Promise<StorageEmulator> {
    let emu: StorageEmulator | undefined;
    const server = createServer((req, res) => void emu!.handle(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    emu = new StorageEmulator(server, `http://127.0.0.1:${port}`);
    return emu;
  }

  put(bucket: string, name: string, data: string | Buffer): void {
    this.objects.set(`${bucket}/${name}`, Buffer.from(data));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    if (upload && req.method === 'POST') {
      const name = url.searchParams.get('name');
      if (!name) return json(res, 400, { error: { code: 400, message: 'Required parameter: name' } });
      this.put(upload[1]!, name, body);
      return json(res, 200, this.meta(upload[1]!, name));
    }
    const list = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    if (list && req.method === 'GET') {
      const bucket = list[1]!;
      const prefix = url.searchParams.get('prefix') ?? '';
      const items = [...this.objects.keys()]
        .filter((k) => k.startsWith(`${bucket}/${prefix}`))
        .map((k) => this.meta(bucket, k.slice(bucket.length + 1)))
        .sort((a, b) => String(a.name).localeCompare(String(b.name)));
      return json(res, 200, { kind: 'storage#objects', ...(items.length > 0 ? { items } : {}) });
    }
    const obj = /^(?:\/download)?\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(url.pathname);
    if (obj && req.method === 'GET') {
      const bucket = obj[1]!;
      const name = decodeURIComponent(obj[2]!);
      const data = this.objects.get(`${bucket}/${name}`);
      if (!data) return json(res, 404, { error: { code: 404, message: `No such object: ${bucket}/${name}` } });
      if (url.searchParams.get('alt') === 'media') {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length, 'x-goog-hash': `crc32c=${crc32c(data)},md5=${md5(data)}`, 'x-goog-stored-content-encoding': 'identity' });
        res.end(data);
        return;
      }
      return json(res, 200, this.meta(bucket, name));
    }
    return json(res, 404, { error: { code: 404, message: `no route ${req.method} ${url.pathname}` } });
  }

  private meta(bucket: string, name: string): Record<string, unknown> {
    const data = this.objects.get(`${bucket}/${name}`)!;
    return { kind: 'storage#object', id: `${bucket}/${name}/1`, bucket, name, size: String(data.length), generation: '1', contentType: 'application/octet-stream', md5Hash: md5(data), crc32c: crc32c(data) };
  }
}

/** CRC-32C (Castagnoli), big-endian, base64: the form GCS reports. */
function crc32c(b: Buffer): string {
  let crc = 0xffffffff;
  for (const byte of b) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  const out = Buffer.alloc(4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return out.toString('base64');
}

function md5(b: Buffer): string {
  return createHash('md5').update(b).digest('base64');
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
