import { randomBytes } from 'node:crypto';

export interface FilePart {
  filename?: string;
  contentType?: string;
  content: Buffer | string;
}

/**
 * A multipart/form-data body, built by hand so tests and benchmarks control every byte a client
 * could send (and can repeat it cheaply).
 */
export function encodeMultipart(
  fields: Record<string, string | FilePart>,
  boundary = `----bindery${randomBytes(8).toString('hex')}`,
): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    chunks.push(Buffer.from(`--${boundary}\r\n`));
    if (typeof value === 'string') {
      chunks.push(Buffer.from(`Content-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
    } else {
      const filename = value.filename ?? 'cover.jpg';
      const type = value.contentType ?? 'application/octet-stream';
      chunks.push(
        Buffer.from(`Content-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`),
        Buffer.isBuffer(value.content) ? value.content : Buffer.from(value.content),
        Buffer.from('\r\n'),
      );
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
