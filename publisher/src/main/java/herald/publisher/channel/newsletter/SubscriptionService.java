package herald.publisher.channel.newsletter;

import herald.publisher.channel.newsletter.Tokens.Purpose;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Double opt-in: subscribing records a pending subscriber and mails a signed confirmation link;
 * only confirmed subscribers get issues. The caller sees the same answer whatever the address's
 * state, so the API tells no one who is subscribed.
 */
final class SubscriptionService {

  private static final Logger LOG = LoggerFactory.getLogger(SubscriptionService.class);

  private final Pool pool;
  private final SubscriberRepository subscribers;
  private final Tokens tokens;
  private final Mailer mailer;
  private final NewsletterConfig config;
  private final Clock clock;

  SubscriptionService(
      Pool pool,
      SubscriberRepository subscribers,
      Tokens tokens,
      Mailer mailer,
      NewsletterConfig config,
      Clock clock) {
    this.pool = pool;
    this.subscribers = subscribers;
    this.tokens = tokens;
    this.mailer = mailer;
    this.config = config;
    this.clock = clock;
  }

  /** Records the request and mails a confirmation when one is due; never says which happened. */
  Future<Void> subscribe(String email, String locale, List<String> topics) {
    return subscribers
        .findByEmail(pool, email)
        .compose(
            found -> {
              if (found.isPresent()) {
                return Future.succeededFuture(found.get());
              }
              Subscriber fresh =
                  new Subscriber(UUID.randomUUID(), email, locale, topics, Subscriber.PENDING);
              // A concurrent request for the same address may win the insert: use its row.
              return subscribers
                  .insert(pool, fresh)
                  .compose(
                      inserted ->
                          inserted
                              ? Future.succeededFuture(fresh)
                              : subscribers.findByEmail(pool, email).map(Optional::orElseThrow));
            })
        .compose(
            s -> {
              if (Subscriber.CONFIRMED.equals(s.status())) {
                return Future.succeededFuture();
              }
              return subscribers
                  .resubscribe(pool, s.id(), locale, topics)
                  .compose(v -> subscribers.claimConfirmation(pool, s.id()))
                  .compose(
                      due ->
                          due ? sendConfirmation(s.id(), email, locale) : Future.succeededFuture());
            });
  }

  /** The confirmation mail, in the words of the locale the subscriber asked in. */
  private Future<Void> sendConfirmation(UUID id, String email, String locale) {
    String link =
        config.publicUrl()
            + "/v1/newsletter/confirm?token="
            + tokens.confirm(id, clock.instant().plus(config.confirmTtl()));
    String name = config.name();
    EmailLabels words = EmailLabels.of(locale);
    String intro = words.get("confirm.intro", name);
    String valid = words.get("confirm.valid", config.confirmTtl().toHours());
    String ignore = words.get("confirm.ignore");
    String text = intro + "\n\n" + link + "\n\n" + valid + " " + ignore + "\n";
    String html =
        "<!DOCTYPE html><html lang=\""
            + IssueRenderer.escape(locale)
            + "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\""
            + " content=\"width=device-width, initial-scale=1\"></head>"
            + "<body style=\"margin:0;padding:24px;font-family:Arial,Helvetica,sans-serif;color:#111827;\">"
            + "<p style=\"font-size:16px;\">"
            + IssueRenderer.escape(intro)
            + "</p><p><a href=\""
            + IssueRenderer.escape(link)
            + "\" style=\"display:inline-block;padding:10px 18px;background:#1d4ed8;color:#ffffff;"
            + "border-radius:6px;text-decoration:none;font-weight:bold;\">"
            + IssueRenderer.escape(words.get("confirm.button"))
            + "</a></p><p style=\"font-size:13px;color:#6b7280;\">"
            + IssueRenderer.escape(valid + " " + ignore)
            + "</p></body></html>";
    String messageId = "<confirm." + UUID.randomUUID() + "@" + Mailer.domainOf(config.from()) + ">";
    return mailer
        .send(
            email, EmailLabels.of(locale).get("confirm.subject", name), html, text, messageId, null)
        .onFailure(e -> LOG.warn("could not send the confirmation mail for subscriber {}", id, e));
  }

  /** Confirms the subscriber of a valid token; empty when the token is not valid (or expired). */
  Future<Optional<UUID>> confirm(String token) {
    Optional<UUID> id = tokens.verify(token, Purpose.CONFIRM);
    if (id.isEmpty()) {
      return Future.succeededFuture(Optional.empty());
    }
    return subscribers
        .find(pool, id.get())
        .compose(
            s -> {
              if (s.isEmpty() || Subscriber.UNSUBSCRIBED.equals(s.get().status())) {
                // Unsubscribed after this link was sent: the old link does not undo that.
                return Future.succeededFuture(Optional.<UUID>empty());
              }
              return subscribers.confirm(pool, id.get()).map(changed -> id);
            });
  }

  /** Unsubscribes the subscriber of a valid token; empty when the token is not valid. */
  Future<Optional<UUID>> unsubscribe(String token) {
    Optional<UUID> id = tokens.verify(token, Purpose.UNSUBSCRIBE);
    if (id.isEmpty()) {
      return Future.succeededFuture(Optional.empty());
    }
    return subscribers.unsubscribe(pool, id.get()).map(v -> id);
  }
}
