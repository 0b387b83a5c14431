package herald.publisher.channel.social;

/**
 * A post as the network knows it.
 *
 * @param id Mastodon: the status id; Bluesky: the record key; webhook: Herald's own post id
 * @param uri Mastodon: the status URL; Bluesky: the {@code at://} URI; webhook: null
 */
record RemotePost(String id, String uri) {}
