import type { IncomingMessage } from 'node:http';

/**
 * Closes the connection of an answer sent before its request body was read (a 413) without losing the
 * answer. Node ends a `Connection: close` answer with `socket.destroySoon()`, which closes the socket
 * as soon as the answer is written; the client is usually still sending, and a close with unread bytes
 * sends a TCP reset, which makes the client drop the answer it has not read yet (RFC 9112 §9.6). So
 * the rest of the body is read and thrown away from now on, and for this one socket the close lingers:
 * our side is shut after the answer (the client reads it, then end of stream), and the socket is
 * destroyed once the client has sent the whole body, or closes, or sends more than `maxBytes`. A client
 * that stalls is closed by the idle timeout (plugins/connections.ts) like any other.
 *
 * Call it before the answer is sent, with `Connection: close` on the answer.
 */
export function closeAfterDraining(request: IncomingMessage, maxBytes: number): void {
  const socket = request.socket;
  if (request.complete || socket.destroyed) return;
  let received = 0;
  let drained = false;
  // Reading from now on also keeps Node from "dumping" the body, which would discard it uncounted.
  request.unpipe();
  request.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received > maxBytes) socket.destroy();
  });
  request.once('end', () => (drained = true));
  request.once('error', () => socket.destroy());
  request.resume();

  const destroyOnceWritten = () => {
    if (socket.writableFinished) socket.destroy();
    else socket.once('finish', () => socket.destroy());
  };
  socket.destroySoon = () => {
    socket.end();
    if (drained) return destroyOnceWritten();
    request.once('end', destroyOnceWritten);
    socket.once('end', destroyOnceWritten);
  };
}
