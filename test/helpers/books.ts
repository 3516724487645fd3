import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { jpeg } from './image-fixtures.js';
import { multipart, withAuth, type FilePart, type Response, type Session } from './app.js';

export interface BookData {
  _id: string;
  title: string;
  description: string;
  category: string;
  image_url: string;
  images: { thumbnail: string; display: string };
  user_id: string;
  created_at: string;
  updated_at: string;
}

let counter = 0;

/** POSTs a book form; fields default to a valid, unique book with a small JPEG cover. */
export async function postBook(app: FastifyInstance, session: Session, fields: Record<string, string | FilePart> = {}) {
  counter += 1;
  const form = {
    title: `Book ${counter}`,
    category: 'science',
    description: 'A fine book',
    cover_image: { filename: 'cover.jpg', contentType: 'image/jpeg', content: await jpeg() },
    ...fields,
  };
  return app.inject({ method: 'POST', url: '/books/', ...withAuth(session, multipart(form)) });
}

/** Creates a book and returns it, failing loudly if the API refuses. */
export async function createBook(
  app: FastifyInstance,
  session: Session,
  fields: Record<string, string | FilePart> = {},
): Promise<BookData> {
  const response = await postBook(app, session, fields);
  if (response.statusCode !== 201) throw new Error(`create book failed: ${response.statusCode} ${response.body}`);
  return response.json<{ data: BookData }>().data;
}

/** The path part of an absolute image URL, for app.inject. */
export function pathOf(url: string): string {
  return new URL(url).pathname;
}

export async function getBook(app: FastifyInstance, session: Session, id: string): Promise<BookData> {
  const response = await app.inject({ method: 'GET', url: `/books/${id}`, headers: session.auth });
  assert.equal(response.statusCode, 200, response.body);
  return response.json<{ data: BookData }>().data;
}

/** PUTs a multipart change to a book. */
export function putForm(app: FastifyInstance, session: Session, id: string, form: Record<string, string | FilePart>): Promise<Response> {
  return app.inject({ method: 'PUT', url: `/books/${id}`, ...withAuth(session, multipart(form)) });
}

/** GETs an image by its absolute URL; image URLs are public, so no token. */
export function getImage(app: FastifyInstance, url: string): Promise<Response> {
  return app.inject({ method: 'GET', url: pathOf(url) });
}
