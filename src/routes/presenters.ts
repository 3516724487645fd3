import type { FastifyRequest } from 'fastify';
import type { Book } from '../modules/library/index.js';
import type { Book as BookShape } from '../schemas/books.js';
import type { User } from '../schemas/users.js';
import type { UserRow } from '../services/users/users-repository.js';

/** Rows become API shapes here; the response schema then lets only declared fields leave. */
export function presentUser(row: UserRow): User {
  return { _id: row.id, name: row.name, email: row.email, active: row.disabled_at === null, created_at: row.created_at };
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
