package herald.publisher.channel.website;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Renders the listings once for several changes. Deliveries that end their pages while another
 * renders the listings wait for it to finish, and the first of them then renders the listings for
 * all of them at once: under a steady stream of publishes the listings are rendered once per few
 * entries instead of once per entry, and a delivery still returns only when its entry is listed.
 */
final class ListingBatcher {

  /** Changes to render together, and what their rendering changed (or its failure). */
  private record Batch(
      List<ListingWriter.Change> changes, CompletableFuture<Set<String>> rendered) {
    Batch() {
      this(new ArrayList<>(), new CompletableFuture<>());
    }
  }

  private final Lock siteWrite;
  private final ListingWriter writer;
  // Held by the delivery that renders the listings; the others wait for it (see await()).
  private final ReentrantLock rendering = new ReentrantLock();
  // The changes whose listings are still to render (guarded by the site's write lock); the first
  // rendering after start renders everything, since a change may have been stored without its
  // listings when the publisher stopped.
  private Batch pending = new Batch();
  private boolean renderEverything = true;

  /**
   * @param siteWrite the site's write lock, taken to render
   */
  ListingBatcher(Lock siteWrite, ListingWriter writer) {
    this.siteWrite = siteWrite;
    this.writer = writer;
  }

  /**
   * Queues a change whose listings are still to render; call under the site's write lock, right
   * after the index has the change. Returns what the rendering that includes it will change.
   */
  CompletableFuture<Set<String>> enqueue(ListingWriter.Change change) {
    pending.changes().add(change);
    return pending.rendered();
  }

  /**
   * Renders the listings once the change queued as {@code mine} is in them and returns the paths
   * that changed in that rendering.
   */
  Set<String> await(CompletableFuture<Set<String>> mine) throws IOException {
    while (!mine.isDone()) {
      try {
        rendering.lockInterruptibly();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for the listings", e);
      }
      try {
        // The delivery that held the lock may have rendered this change with its own.
        if (!mine.isDone()) {
          renderPending();
        }
      } finally {
        rendering.unlock();
      }
    }
    try {
      return mine.join();
    } catch (CompletionException e) {
      throw new IOException("rendering the listings failed", e.getCause());
    }
  }

  /** Renders the listings of the queued changes and tells their deliveries the outcome. */
  private void renderPending() {
    siteWrite.lock();
    Batch batch = pending;
    pending = new Batch();
    try {
      batch.rendered().complete(writer.rebuild(batch.changes(), renderEverything));
      renderEverything = false;
    } catch (IOException | RuntimeException e) {
      // The batch's changes are gone from the queue: the next rendering renders every listing,
      // those with entries and those on disk, which covers what they touched.
      renderEverything = true;
      batch.rendered().completeExceptionally(e);
    } finally {
      siteWrite.unlock();
      // An Error too: the deliveries waiting for this batch learn that it did not finish.
      batch.rendered().completeExceptionally(new IOException("rendering did not finish"));
    }
  }
}
