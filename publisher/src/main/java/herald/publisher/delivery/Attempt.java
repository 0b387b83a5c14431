package herald.publisher.delivery;

import java.time.OffsetDateTime;

/**
 * One try of a delivery, from {@code publisher.delivery_attempt}.
 *
 * @param outcome {@code sending} while under way, then {@code sent}, {@code failed}, {@code
 *     timeout}, {@code undeliverable} or {@code interrupted} (the publisher stopped during it)
 */
public record Attempt(
    int number,
    OffsetDateTime startedAt,
    OffsetDateTime finishedAt,
    String outcome,
    String error) {}
