package herald.indexer.index;

import java.io.IOException;
import org.apache.lucene.store.AlreadyClosedException;

/**
 * The index in service, which a rebuild replaces at once: searches always go to the current one,
 * and a search that raced with the swap is repeated on the new index.
 */
public final class LiveIndex {
  private volatile ContentIndex current;

  public LiveIndex(ContentIndex initial) {
    this.current = initial;
  }

  /** The index in service now. */
  public ContentIndex current() {
    return current;
  }

  /** Puts another index in service and returns the one it replaces. */
  public ContentIndex swap(ContentIndex next) {
    ContentIndex old = current;
    current = next;
    return old;
  }

  /** Runs the function with a searcher of the index in service. */
  public <T> T withSearcher(ContentIndex.SearcherFunction<T> function) throws IOException {
    for (int attempt = 0; ; attempt++) {
      ContentIndex index = current;
      try {
        return index.withSearcher(function);
      } catch (AlreadyClosedException e) {
        // Swapped and closed between reading `current` and acquiring its searcher.
        if (index == current || attempt >= 2) {
          throw e;
        }
      }
    }
  }
}
