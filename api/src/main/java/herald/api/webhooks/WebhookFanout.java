package herald.api.webhooks;

import herald.api.partners.ContentLogConsumer;
import herald.api.partners.LoggedEvent;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns content events into deliveries: one row per (message, endpoint) that wants the event,
 * written in the partner consumer's transaction, so each event is queued exactly once per endpoint.
 */
public final class WebhookFanout implements ContentLogConsumer.Sink {
  private final WebhookRepository repo;
  private final double firstDelaySeconds;

  public WebhookFanout(WebhookRepository repo, double firstDelaySeconds) {
    this.repo = repo;
    this.firstDelaySeconds = firstDelaySeconds;
  }

  @Override
  public Future<Void> apply(SqlConnection conn, List<LoggedEvent> events) {
    return repo.enabled(conn)
        .compose(
            endpoints -> {
              if (endpoints.isEmpty()) {
                return Future.succeededFuture();
              }
              List<Tuple> rows = new ArrayList<>();
              for (LoggedEvent e : events) {
                JsonObject payload = null;
                for (WebhookRepository.Endpoint ep : endpoints) {
                  if (!ep.wants(e.kind(), e.event().contentType(), e.event().locales())) {
                    continue;
                  }
                  if (payload == null) {
                    payload = payload(e);
                  }
                  rows.add(
                      WebhookRepository.delivery(
                          ep.id(),
                          messageId(e),
                          e.kind(),
                          e.event().entryId(),
                          payload,
                          firstDelaySeconds));
                }
              }
              return repo.insertDeliveries(conn, rows);
            });
  }

  /**
   * The message id: the event's CloudEvents id, so that a redelivery keeps it (receivers dedupe).
   */
  static String messageId(LoggedEvent e) {
    return "msg_" + e.eventId();
  }

  /**
   * The body: {@code {type, timestamp, data}} as Standard Webhooks recommends; data is the event's
   * own JSON (the full published snapshot in every locale, or what was unpublished) without the
   * field schema.
   */
  static JsonObject payload(LoggedEvent e) {
    JsonObject data = e.data().copy();
    data.remove("schema");
    data.put("id", e.event().entryId().toString());
    return new JsonObject()
        .put("type", e.kind())
        .put("timestamp", e.event().occurredAt().toString())
        .put("data", data);
  }
}
