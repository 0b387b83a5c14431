package herald.api.outbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A test seam, never set in production: with {@code HERALD_TEST_RELAY_HOLD=<file>}, the relay stops
 * for good between the broker's acknowledgement of a batch and marking its outbox rows sent, the
 * first time it gets there while {@code <file>} exists. It then removes {@code <file>}, writes the
 * batch's sequence numbers to {@code <file>.held} and parks its thread until the process is killed.
 * The fault-matrix suite kills the api with SIGKILL at that moment, which timing alone could not
 * promise: the crash the relay's javadoc says its consumers must absorb (the rows are in Kafka and
 * sent again by the next relay).
 */
public final class RelayHoldSeam implements Consumer<Long[]> {
  /** The variable naming the arming file. */
  public static final String ENV = "HERALD_TEST_RELAY_HOLD";

  private static final Logger LOG = LoggerFactory.getLogger(RelayHoldSeam.class);

  private final Path armed;

  /** The seam armed by {@code armed} ({@value #ENV}, read by the api's configuration). */
  public RelayHoldSeam(Path armed) {
    LOG.warn("{} is set: the outbox relay will stop when {} exists (a test seam)", ENV, armed);
    this.armed = armed;
  }

  @Override
  public void accept(Long[] acknowledged) {
    try {
      Files.delete(armed);
    } catch (NoSuchFileException notArmed) {
      return;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      Path held = armed.resolveSibling(armed.getFileName() + ".held");
      Files.writeString(held, Arrays.toString(acknowledged));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    LOG.warn("outbox relay held after the broker acknowledged {}", Arrays.toString(acknowledged));
    while (true) {
      // Until the process is killed: the rows must stay unmarked.
      LockSupport.park(this);
    }
  }
}
