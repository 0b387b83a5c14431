package herald.api;

import herald.api.audit.AuditRoutes;
import herald.api.auth.KeyRoutes;
import herald.api.auth.Role;
import herald.api.content.ChannelPreviewRoutes;
import herald.api.content.ContentTypeRoutes;
import herald.api.content.EntryRoutes;
import herald.api.http.HealthRoutes;
import herald.api.http.JsonLimits;
import herald.api.http.ProblemHandler;
import herald.api.http.RequestTarget;
import herald.api.schedule.ScheduleRoutes;
import herald.api.search.SearchFrontDoor;
import io.vertx.core.Handler;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The api's route table: the handlers every request passes, then each feature's routes in the order
 * they must be matched, then the forwards to the indexer and the publisher, then the one
 * problem+json handler for every failure.
 */
final class ApiRoutes {
  private ApiRoutes() {}

  static void mount(Router router, ApiWiring w, HealthRoutes health) {
    ApiConfig config = w.config;
    // First: a request target that can't be decoded is a 400, whatever the route.
    router.route().handler(new RequestTarget());
    // Cached public delivery responses skip body parsing and validation: only requests that
    // passed them were cached.
    router.get().handler(w.delivery.fastPath());
    router
        .route()
        .handler(
            BodyHandler.create()
                .setBodyLimit(config.http().maxBodyBytes())
                .setHandleFileUploads(false));
    router.route().handler(new JsonLimits());
    router.route().handler(w.contract.validate());

    router.get("/openapi.json").handler(w.contract.serve());
    health.mount(router); // /health/live, /health/ready, /metrics
    new ContentTypeRoutes(w.pool, w.types, w.audit, w.keys).mount(router); // /v1/manage/types
    new EntryRoutes(
            w.pool, w.entries, w.versions, w.entryService, w.keys, config.locales(), w.cursors)
        .mount(router); // /v1/manage/entries
    new ScheduleRoutes(w.pool, w.schedules, w.entries, w.audit, w.keys, config.locales())
        .mount(router); // /v1/manage/schedules
    new AuditRoutes(w.pool, w.audit, w.keys).mount(router); // /v1/manage/audit
    // NOTE: before the delivery routes, so that /v1/entries/<id>.ics is not taken for an id.
    w.partners.ifPresent(p -> p.mount(router)); // /v1/sync, /feeds, /v1/manage/webhooks
    w.delivery.mount(router); // /v1/entries, /v1/types
    new KeyRoutes(w.pool, w.keys, w.audit).mount(router); // /v1/manage/keys

    Handler<RoutingContext> admin = w.keys.require(Role.ADMIN);
    Handler<RoutingContext> editor = w.keys.require(Role.EDITOR);
    Handler<RoutingContext> search = w.indexer.forward();
    Handler<RoutingContext> publisher = w.publisher.forward();
    router.get("/v1/search").handler(new SearchFrontDoor(config.locales())).handler(search);
    router.get("/v1/admin/index").handler(admin).handler(search);
    router.post("/v1/admin/index/rebuild").handler(admin).handler(search);
    w.deliveries.mount(router); // /v1/manage/deliveries, /v1/manage/entries/:id/deliveries
    // Newsletter and social endpoints live in the publisher; the api checks keys and forwards.
    router.post("/v1/newsletter/subscribe").handler(publisher);
    router.get("/v1/newsletter/confirm").handler(publisher);
    router.get("/v1/newsletter/unsubscribe").handler(publisher);
    router.post("/v1/newsletter/unsubscribe").handler(publisher);
    String manage = "/v1/manage/newsletter";
    router.get(manage + "/entries").handler(editor).handler(publisher);
    router.get(manage + "/subscribers").handler(editor).handler(publisher);
    router.get(manage + "/subscribers/search").handler(editor).handler(publisher);
    router.get(manage + "/subscribers/export").handler(editor).handler(publisher);
    router.post(manage + "/subscribers/:id/unsubscribe").handler(editor).handler(publisher);
    router.post(manage + "/issues").handler(editor).handler(publisher);
    router.get(manage + "/issues").handler(editor).handler(publisher);
    router.get(manage + "/issues/:id").handler(editor).handler(publisher);
    router.put(manage + "/issues/:id").handler(editor).handler(publisher);
    router.get(manage + "/issues/:id/preview").handler(editor).handler(publisher);
    router.post(manage + "/issues/:id/test").handler(editor).handler(publisher);
    router.post(manage + "/issues/:id/send").handler(editor).handler(publisher);
    router.post("/v1/social/preview").handler(w.keys.require(Role.AUTHOR)).handler(publisher);
    // The draft as the website page and newsletter item it would become, rendered by the publisher.
    new ChannelPreviewRoutes(w.entryService, w.keys, w.publisher, config.locales())
        .mount(router); // /v1/manage/entries/:id/preview/:channel
    w.studio.mount(router); // /studio

    ProblemHandler problems = new ProblemHandler(config.http().maxBodyBytes());
    router.route().failureHandler(problems);
    // A request target the router itself can't match against (the studio's sub-router route
    // fails on an undecodable path before any failure handler runs) ends here.
    router.errorHandler(400, problems);
    router.errorHandler(404, problems);
    router.errorHandler(405, problems);
  }
}
