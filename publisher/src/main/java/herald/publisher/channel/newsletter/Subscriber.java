package herald.publisher.channel.newsletter;

import java.util.List;
import java.util.UUID;

/** A newsletter subscriber. */
record Subscriber(UUID id, String email, String locale, List<String> topics, String status) {

  static final String PENDING = "pending";
  static final String CONFIRMED = "confirmed";
  static final String UNSUBSCRIBED = "unsubscribed";

  Subscriber {
    topics = List.copyOf(topics);
  }
}
