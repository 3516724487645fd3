import { Type, type Static } from 'typebox';
import {
  CATEGORIES,
  DESCRIPTION_MAX_LENGTH,
  PAGE_SIZE,
  RENDITION_SIDES,
  SEARCH_MAX_LENGTH,
  TITLE_LENGTH,
  type Category,
  type CoverPolicy,
} from '../modules/library/index.js';
import { Timestamp, envelope } from './common.js';

// Every bound comes from the library's policy, so the contract cannot drift from the rules.
const CategorySchema = Type.Unsafe<Category>({ type: 'string', enum: [...CATEGORIES], description: 'One of the library categories' });
const Title = Type.String({ minLength: TITLE_LENGTH.min, maxLength: TITLE_LENGTH.max });
const Description = Type.String({ maxLength: DESCRIPTION_MAX_LENGTH });
const { thumbnail, display } = RENDITION_SIDES;

export const Book = Type.Object({
  _id: Type.String(),
  title: Type.String(),
  description: Type.String(),
  category: CategorySchema,
  image_url: Type.String({ description: `The thumbnail (fits ${thumbnail}×${thumbnail})` }),
  images: Type.Object({
    thumbnail: Type.String({ description: `Fits inside ${thumbnail}×${thumbnail}` }),
    display: Type.String({ description: `Longest side ${display} px` }),
  }),
  user_id: Type.String(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
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

/**
 * Documentation of the multipart bodies (OpenAPI only: the form is parsed and validated by the route),
 * built when the routes are registered, so the document states the configured cover limits.
 */
export function bookForms(covers: Pick<CoverPolicy, 'description'>) {
  const CoverFile = Type.String({ format: 'binary', description: covers.description });
  return {
    create: Type.Object({ ...CreateBookFields.properties, cover_image: CoverFile }),
    update: Type.Object({ ...UpdateBookFields.properties, cover_image: Type.Optional(CoverFile) }),
  };
}

export const ListBooksQuery = Type.Object(
  {
    category: Type.Optional(CategorySchema),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: SEARCH_MAX_LENGTH, description: 'Case-insensitive title search' })),
    limit: Type.Integer({ minimum: PAGE_SIZE.min, maximum: PAGE_SIZE.max, default: PAGE_SIZE.default }),
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
