import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../errors.js';
import { compileGuard } from '../lib/validation.js';
import { currentUser } from '../plugins/authentication.js';
import { CATEGORIES, type Library } from '../modules/library/index.js';
import {
  BookEnvelope,
  BookListEnvelope,
  CategoriesEnvelope,
  CreateBookFields,
  ListBooksQuery,
  UpdateBookFields,
  bookForms,
} from '../schemas/books.js';
import { IdParams, NoContent, errorResponses } from '../schemas/common.js';
import { readBookForm, uploadSizeGuard } from './book-form.js';
import { baseUrlOf, presentBook } from './presenters.js';

const tags = ['books'];
const security = [{ bearerAuth: [] }];

// Form fields arrive as text and are checked against the same schemas as JSON bodies.
const checkCreateFields = compileGuard<CreateBookFields>(CreateBookFields);
const checkUpdateFields = compileGuard<UpdateBookFields>(UpdateBookFields);

export interface BooksRoutesOptions {
  books: Library;
  publicUrl: string | undefined;
}

export const booksRoutes: FastifyPluginAsyncTypebox<BooksRoutesOptions> = async (app, { books, publicUrl }) => {
  const sizeGuard = uploadSizeGuard(books.coverPolicy.maxRequestBytes);
  // Documented from the policy the library runs with, so the OpenAPI text states the configured limits.
  const forms = bookForms(books.coverPolicy);

  app.post(
    '/books/',
    {
      onRequest: [sizeGuard, app.authenticate],
      config: { multipartBody: forms.create },
      schema: {
        tags,
        security,
        operationId: 'createBook',
        summary: 'Add a book with its cover (multipart/form-data)',
        consumes: ['multipart/form-data'],
        response: { 201: BookEnvelope, ...errorResponses('COVER_REQUIRED', 'TITLE_TAKEN') },
      },
    },
    async (request, reply) => {
      const form = await readBookForm(request);
      const fields = checkCreateFields(form.fields);
      if (!form.cover) throw new AppError('COVER_REQUIRED');
      const book = await books.create(currentUser(request).id, fields, form.cover);
      return reply.code(201).send({ message: 'Successfully created a new book', data: presentBook(book, baseUrlOf(request, publicUrl)) });
    },
  );

  app.get(
    '/books/',
    {
      onRequest: app.authenticate,
      schema: {
        tags,
        security,
        operationId: 'listBooks',
        summary: 'The caller’s books, newest first, one page at a time',
        querystring: ListBooksQuery,
        response: { 200: BookListEnvelope, ...errorResponses('INVALID_CURSOR') },
      },
    },
    async (request) => {
      const page = await books.list(currentUser(request).id, request.query);
      const baseUrl = baseUrlOf(request, publicUrl);
      return {
        message: 'Successfully retrieved books',
        data: page.books.map((book) => presentBook(book, baseUrl)),
        next_cursor: page.nextCursor,
      };
    },
  );

  app.get(
    '/books/categories',
    {
      config: { usesDatabase: false },
      schema: { tags, operationId: 'listCategories', summary: 'The categories a book can have', response: { 200: CategoriesEnvelope } },
    },
    () => ({ message: 'Successfully retrieved categories', data: [...CATEGORIES] }),
  );

  app.get(
    '/books/:id',
    {
      onRequest: app.authenticate,
      schema: {
        tags,
        security,
        operationId: 'getBook',
        params: IdParams,
        response: { 200: BookEnvelope, ...errorResponses('BOOK_NOT_FOUND') },
      },
    },
    async (request) => {
      const book = await books.get(currentUser(request).id, request.params.id);
      return { message: 'Successfully retrieved a book', data: presentBook(book, baseUrlOf(request, publicUrl)) };
    },
  );

  app.put(
    '/books/:id',
    {
      onRequest: [sizeGuard, app.authenticate],
      config: { multipartBody: forms.update },
      schema: {
        tags,
        security,
        operationId: 'updateBook',
        summary: 'Change a book: JSON, or multipart with an optional new cover',
        params: IdParams,
        // Only JSON is validated here; a multipart body is read and validated by the handler.
        body: { content: { 'application/json': { schema: UpdateBookFields } } },
        response: { 200: BookEnvelope, ...errorResponses('BOOK_NOT_FOUND', 'TITLE_TAKEN') },
      },
    },
    async (request) => {
      let fields: UpdateBookFields;
      let cover: Buffer | undefined;
      if (request.isMultipart()) {
        const form = await readBookForm(request);
        fields = checkUpdateFields(form.fields);
        cover = form.cover;
      } else if (request.body === undefined) {
        // With no Content-Type, Fastify reads no body and the JSON schema above never runs.
        throw AppError.validation([{ field: '(body)', message: 'must be a JSON object or a multipart form' }]);
      } else {
        fields = request.body as UpdateBookFields;
      }
      const book = await books.update(currentUser(request).id, request.params.id, fields, cover);
      return { message: 'Successfully updated a book', data: presentBook(book, baseUrlOf(request, publicUrl)) };
    },
  );

  app.delete(
    '/books/:id',
    {
      onRequest: app.authenticate,
      schema: {
        tags,
        security,
        operationId: 'deleteBook',
        summary: 'Delete a book and its cover images',
        params: IdParams,
        response: { 204: NoContent, ...errorResponses('BOOK_NOT_FOUND') },
      },
    },
    async (request, reply) => {
      await books.delete(currentUser(request).id, request.params.id);
      return reply.code(204).send(null);
    },
  );
};
