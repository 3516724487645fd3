/** Timestamps travel as ISO-8601 strings on both dialects (see database.ts). */
type Timestamp = string;

export interface UsersTable {
  id: string;
  name: string;
  email: string;
  password_hash: string;
  disabled_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface BooksTable {
  id: string;
  user_id: string;
  title: string;
  /** Case-folded title: the per-user uniqueness key. */
  title_key: string;
  description: string;
  category: string;
  cover_id: string;
  cover_extension: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** The database cover store's renditions (see modules/library/database-cover-store.ts). */
export interface CoverImagesTable {
  cover_id: string;
  rendition: string;
  /** The book the cover was uploaded for; a cover is live only while that book's cover_id names it. */
  book_id: string;
  content_type: string;
  bytes: Buffer;
  width: number;
  height: number;
  created_at: Timestamp;
}

/**
 * Covers no book points at (yet, or any more), whose renditions may have to be removed from the
 * cover store: see modules/library/cover-lifecycle.ts. Rows are few and short-lived.
 */
export interface UnattachedCoversTable {
  cover_id: string;
  /** 'uploading': being put, its book not yet committed. 'discarded': nothing will ever point at it. */
  state: 'uploading' | 'discarded';
  /** The instance that wrote the row (its random id, host name and process id): the sweep's safety rule. */
  instance_id: string;
  instance_host: string;
  instance_pid: number;
  created_at: Timestamp;
}

export interface SigningKeysTable {
  kid: string;
  algorithm: string;
  public_key: string;
  private_key_encrypted: string;
  created_at: Timestamp;
  retired_at: Timestamp | null;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  ip: string | null;
  user_agent: string | null;
  created_at: Timestamp;
  /** Moves on every refresh; the idle timeout counts from here. */
  last_used_at: Timestamp;
  /** The absolute end of the session, whatever its activity. */
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  revoked_reason: string | null;
}

export interface RefreshTokensTable {
  id: string;
  session_id: string;
  /** SHA-256 of the token: the token itself is never stored. */
  token_hash: string;
  parent_id: string | null;
  created_at: Timestamp;
  /** Set when the token is exchanged; presenting it again after that is a reuse. */
  rotated_at: Timestamp | null;
}

export interface AuditEventsTable {
  id: string;
  user_id: string | null;
  type: string;
  ip: string | null;
  session_id: string | null;
  created_at: Timestamp;
}

export interface DB {
  users: UsersTable;
  books: BooksTable;
  cover_images: CoverImagesTable;
  unattached_covers: UnattachedCoversTable;
  signing_keys: SigningKeysTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  audit_events: AuditEventsTable;
}
