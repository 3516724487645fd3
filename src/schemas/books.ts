import { Type, type Static } from 'typebox';
import { Timestamp, envelope } from './common.js';

export const CATEGORIES = ['romance', 'poetry', 'politics', 'picture book', 'science', 'fantasy', 'horror', 'thriller'] as const;
export type Category = (typeof CATEGORIES)[number];

const CategorySchema = Type.Unsafe<Category>({ type: 'string', enum: [...CATEGORIES], description: 'One of the library categories' });
const Title = Type.String({ minLength: 1, maxLength: 200 });
const Description = Type.String({ maxLength: 5000 });

export const Book = Type.Object(
  {
    _id: Type.String(),
    title: Type.String(),
    description: Type.String(),
    category: CategorySchema,
    image_url: Type.String({ description: 'The thumbnail (fits 150×150)' }),
    images: Type.Object({
      thumbnail: Type.String({ description: 'Fits inside 150×150' }),
      display: Type.String({ description: 'Longest side 600 px' }),
    }),
    user_id: Type.String(),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
);
export type Book = Static<typeof Book>;

/** The text fields of a new book; the cover arrives as the multipart file `cover_image`. */
export const CreateBookFields = Type.Object(
  { title: Title, description: Type.Optional(Description), category: CategorySchema },
  { additionalProperties: false },
);
export type CreateBookFields = Static<typeof CreateBookFields>;

export const UpdateBookFields = Type.Object(
  { title: Type.Optional(Title), description: Type.Optional(Description), category: Type.Optional(CategorySchema) },
  { additionalProperties: false },
);
export type UpdateBookFields = Static<typeof UpdateBookFields>;

const CoverFile = Type.String({ format: 'binary', description: 'JPEG, PNG, WebP or GIF, at most 10 MiB' });

/** Documentation of the multipart bodies (OpenAPI only: the form is parsed and validated by the route). */
export const CreateBookForm = Type.Object({
  ...CreateBookFields.properties,
  cover_image: CoverFile,
});
export const UpdateBookForm = Type.Object({
  ...UpdateBookFields.properties,
  cover_image: Type.Optional(CoverFile),
});

export const ListBooksQuery = Type.Object(
  {
    category: Type.Optional(CategorySchema),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Case-insensitive title search' })),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type ListBooksQuery = Static<typeof ListBooksQuery>;

export const BookEnvelope = envelope(Book);
export const BookListEnvelope = Type.Object({
  message: Type.String(),
  data: Type.Array(Book),
  next_cursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page' }),
});
export const CategoriesEnvelope = envelope(Type.Array(Type.String()));
