import type { FastifyRequest } from 'fastify';
import type { Account, AuditEvent, Session as SessionRow } from '../modules/identity/index.js';
import type { Book } from '../modules/library/index.js';
import type { Book as BookShape } from '../schemas/books.js';
import type { ActivityEvent, Session } from '../schemas/sessions.js';
import type { User } from '../schemas/users.js';

/** Rows become API shapes here; the response schema then lets only declared fields leave. */
export function presentUser(row: Account): User {
  return { _id: row.id, name: row.name, email: row.email, active: row.disabled_at === null, created_at: row.created_at };
}

export function presentSession(row: SessionRow, currentSessionId: string): Session {
  return {
    _id: row.id,
    created_at: row.created_at,
    last_used_at: row.last_used_at,
    ip: row.ip,
    user_agent: row.user_agent,
    current: row.id === currentSessionId,
  };
}

export function presentActivity(event: AuditEvent): ActivityEvent {
  return { _id: event.id, type: event.type, created_at: event.created_at, ip: event.ip, session_id: event.session_id };
}

export const COVERS_PATH = '/static/books';

export function presentBook(book: Book, baseUrl: string): BookShape {
  const thumbnail = `${baseUrl}${COVERS_PATH}/${book.coverFiles.thumbnail}`;
  return {
    _id: book.id,
    title: book.title,
    description: book.description,
    category: book.category,
    image_url: thumbnail,
    images: { thumbnail, display: `${baseUrl}${COVERS_PATH}/${book.coverFiles.display}` },
    user_id: book.userId,
    created_at: book.createdAt,
    updated_at: book.updatedAt,
  };
}

/** Image URLs are absolute, as in the tutorial: PUBLIC_URL when set, else the request's own origin. */
export function baseUrlOf(request: FastifyRequest, publicUrl: string | undefined): string {
  return publicUrl ?? `${request.protocol}://${request.host}`;
}
