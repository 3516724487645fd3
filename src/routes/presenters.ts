import type { FastifyRequest } from 'fastify';
import type { Book, Category } from '../schemas/books.js';
import type { User } from '../schemas/users.js';
import { coverFileName } from '../modules/library/books-service.js';
import type { BookRow } from '../modules/library/books-repository.js';
import type { UserRow } from '../services/users/users-repository.js';

/** Rows become API shapes here; the response schema then lets only declared fields leave. */
export function presentUser(row: UserRow): User {
  return { _id: row.id, name: row.name, email: row.email, active: row.disabled_at === null, created_at: row.created_at };
}

export const COVERS_PATH = '/static/books';

export function presentBook(row: BookRow, baseUrl: string): Book {
  const thumbnail = `${baseUrl}${COVERS_PATH}/${coverFileName(row, 'thumbnail')}`;
  return {
    _id: row.id,
    title: row.title,
    description: row.description,
    category: row.category as Category,
    image_url: thumbnail,
    images: { thumbnail, display: `${baseUrl}${COVERS_PATH}/${coverFileName(row, 'display')}` },
    user_id: row.user_id,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** Image URLs are absolute, as in the tutorial: PUBLIC_URL when set, else the request's own origin. */
export function baseUrlOf(request: FastifyRequest, publicUrl: string | undefined): string {
  return publicUrl ?? `${request.protocol}://${request.host}`;
}
