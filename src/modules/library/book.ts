import type { RenditionName } from '../../lib/images.js';
import type { BookRow } from './books-repository.js';
import { RENDITIONS, type Category } from './policy.js';

/** A book as the rest of the app sees it: no storage columns, its cover as file names. */
export interface Book {
  id: string;
  userId: string;
  title: string;
  description: string;
  category: Category;
  /** One public file name per rendition, `<cover id>-<rendition>.<extension>`: a new cover, new names. */
  coverFiles: Record<RenditionName, string>;
  createdAt: string;
  updatedAt: string;
}

export function toBook(row: BookRow): Book {
  return {
    id: row.id,
    userId: row.user_id,
    title: row.title,
    description: row.description,
    // Only the categories of the policy are ever written.
    category: row.category as Category,
    coverFiles: {
      thumbnail: coverFileName(row.cover_id, 'thumbnail', row.cover_extension),
      display: coverFileName(row.cover_id, 'display', row.cover_extension),
    },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function coverFileName(coverId: string, rendition: RenditionName, extension: string): string {
  return `${coverId}-${rendition}.${extension}`;
}

const COVER_FILE = /^([A-Za-z0-9_-]{16,64})-([a-z]+)\.([a-z]{3,4})$/;

/** The parts of a cover file name, or undefined for anything that cannot be one. */
export function parseCoverFile(file: string): { coverId: string; rendition: RenditionName; extension: string } | undefined {
  const match = COVER_FILE.exec(file);
  const [, coverId, rendition, extension] = match ?? [];
  if (!coverId || !extension || !RENDITIONS.includes(rendition as RenditionName)) return undefined;
  return { coverId, rendition: rendition as RenditionName, extension };
}
