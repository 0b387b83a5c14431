package herald.indexer.index;

/** Names and fixed values of the fields in the content index, shared by writer and searcher. */
public final class IndexFields {
  /** Entry id (UUID); every document of an entry carries it, so an upsert replaces them all. */
  public static final String ID = "id";

  /** What a document is: {@link #KIND_ENTRY} or {@link #KIND_TOMBSTONE}. */
  public static final String KIND = "kind";

  /** A searchable document of one entry in one locale. */
  public static final String KIND_ENTRY = "entry";

  /**
   * The memory of an entry without searchable content (unpublished): it only carries the id and
   * version, so that an older publish arriving later is recognised as stale.
   */
  public static final String KIND_TOMBSTONE = "tombstone";

  public static final String LOCALE = "locale";
  public static final String TYPE = "type";
  public static final String SLUG = "slug";

  /** Entry version: stored and doc values, read when deciding whether an event is stale. */
  public static final String VERSION = "version";

  public static final String TITLE = "title";

  /** Full text of the locale: every text and rich-text field except the title, HTML stripped. */
  public static final String TEXT = "text";

  /** Epoch milliseconds of the publish: point, doc values and stored. */
  public static final String PUBLISHED_AT = "publishedAt";

  private IndexFields() {}
}
